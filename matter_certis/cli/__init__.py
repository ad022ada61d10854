"""What the db* commands share: their base class, filters, error handling and output (no
command here: Scrapy lists commands only from matter_certis.commands)."""
