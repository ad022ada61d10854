"""What the db* commands share: their filters, error handling and output (no command here:
Scrapy lists commands only from matter_certis.commands)."""
