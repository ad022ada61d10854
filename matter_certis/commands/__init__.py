"""Scrapy commands over the local database (``COMMANDS_MODULE``): one module per command,
named as the command; the queries they run live in ``matter_certis/db/``, what they share in
``matter_certis/cli/``."""
