"""Every exception the project raises, in one place: each says what went wrong in words a
person can act on, and callers catch them by name without importing the module that
raises them."""


class SpiderArgumentError(ValueError):
    """A spider argument (``-a name=value``) with a value the spider cannot use."""


class SettingError(ValueError):
    """A setting (``-s NAME=value``) with a value the project cannot use."""


class MalformedPage(ValueError):
    """A DCL answer that is not a page of the list being walked."""


class UnusablePage(Exception):
    """A response that answered but holds no usable listing or product page."""


class InvalidValue(ValueError):
    """The site shows a value that breaks its own format (out of range, unparseable)."""


class DatabaseUnavailable(Exception):
    """``DATABASE_URL`` names a database this run cannot use; the message says why."""


class NotOurDatabase(ValueError):
    """``DATABASE_URL`` names no database of this project; the message says what to do."""


class MissingWalk(Exception):
    """The database lacks a completed walk of a source a command compares; the message
    names the crawl to run."""


class Conflict(Exception):
    """Two placed reads disagree: the listing changed in a way growth does not explain."""


def __getattr__(name):
    """``SiteUnreachable`` is made when first asked for: it is a Scrapy ``IgnoreRequest``
    (the request fails quietly into its errback), and importing Scrapy here would bring
    it into the listing planner, which uses this module and knows nothing of Scrapy."""
    if name != "SiteUnreachable":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from scrapy.exceptions import IgnoreRequest

    class SiteUnreachable(IgnoreRequest):
        """The site's host name does not resolve: nothing can be fetched this run."""

    SiteUnreachable.__module__, SiteUnreachable.__qualname__ = __name__, "SiteUnreachable"
    globals()["SiteUnreachable"] = SiteUnreachable
    return SiteUnreachable
