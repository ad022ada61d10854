"""Downloader middlewares: retries that wait (backoff, pages not whole read again) and the
circuit breaker (settings.DOWNLOADER_MIDDLEWARES lists them in their order)."""
