"""Downloader and spider middlewares: retries that wait, the circuit breaker, the page check
and deltafetch (settings.py lists them in their order)."""
