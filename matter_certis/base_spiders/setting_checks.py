"""The settings a run reads, checked before its first request (``scrapy crawl`` calls the
spider's ``check_settings``): a value that would end in a traceback, hang the run (a
concurrency of 0 lets no request out, for ever) or send it nowhere (a list URL that is no
web address, retried until killed) is refused in one line naming the setting."""

import math
from urllib.parse import urlsplit

from matter_certis.exceptions import SettingError

# What every spider's run reads (Scrapy's downloader and scraper, our middlewares, the
# pipeline, the extensions): the least whole number, or number of seconds, each takes.
WHOLE_NUMBERS = {
    "CONCURRENT_REQUESTS": 1,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "CONCURRENT_REQUESTS_PER_IP": 0,  # 0: the per-domain limit applies
    "CONCURRENT_ITEMS": 1,
    "RETRY_TIMES": 0,
    "MATTER_DB_BATCH_SIZE": 1,
    "MATTER_BREAKER_THRESHOLD": 1,
    "MATTER_BREAKER_MAX_TRIPS": 1,
}
SECONDS = {
    "MATTER_PROGRESS_INTERVAL": 0,  # 0 turns progress lines off
    "MATTER_RETRY_BASE_DELAY": 0,
    "MATTER_RETRY_MAX_DELAY": 0,
    "MATTER_BREAKER_COOLDOWN": 0,
}
SWITCHES = ("MATTER_BREAKER_ENABLED",)


def check_shared(settings):
    """Raise ``SettingError`` for the first bad value among the settings every run reads."""
    for name, least in WHOLE_NUMBERS.items():
        whole_number(settings, name, least)
    for name, least in SECONDS.items():
        seconds(settings, name, least)
    # Read by Scrapy as a float; 0 there means its own default (180 s), not "no timeout".
    seconds(settings, "DOWNLOAD_TIMEOUT", 0, above=True)
    for name in SWITCHES:
        switch(settings, name)


def whole_number(settings, name, least):
    value = settings.get(name)
    try:
        number = settings.getint(name)
    except (TypeError, ValueError):
        number = None
    if number is None or number < least or isinstance(value, float) and value != number:
        raise SettingError(f"{name}: expected a whole number from {least}, got {value!r}")
    return number


def seconds(settings, name, least, above=False):
    value = settings.get(name)
    try:
        number = settings.getfloat(name)
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or number < least or above and number == least:
        bound = f"above {least}" if above else f"from {least}"
        raise SettingError(f"{name}: expected a number of seconds {bound}, got {value!r}")
    return number


def switch(settings, name):
    try:
        return settings.getbool(name)
    except (TypeError, ValueError):
        raise SettingError(f"{name}: expected True or False, got {settings.get(name)!r}") from None


def web_address(settings, name):
    """An http(s) URL with a host: anything else (``notaurl``, empty, ``ftp://``) would
    fail every request, or be retried until killed."""
    value = settings.get(name)
    try:
        parts = urlsplit(str(value or "").strip())
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingError(f"{name}: expected an http:// or https:// address, got {value!r}")
    return value
