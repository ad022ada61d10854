"""Scrapy extensions of this project (enabled in settings.EXTENSIONS)."""
