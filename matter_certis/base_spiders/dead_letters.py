"""Rows of the dead-letter list (``failed_requests``): what a run gave up on, and why."""

from matter_certis.items import RequestFailure
from matter_certis.run import stat_keys

# The error type of a ledger record refused whole (``refused_record_letter``).
REFUSED = "refused record"


class DeadLetters:
    """Mixed into a spider of the project (its ``crawler``, ``logger``, ``session_id``):
    the ``RequestFailure`` items it yields for what it gives up on."""

    def bad_card_letter(self, page_url, index, reason):
        """A card that is no product costs that card, not its page: it goes to the dead-letter
        list as ``<page url>#card-<n>`` (n from 1), kind ``list``."""
        self.crawler.stats.inc_value(stat_keys.unusable("card"))
        url = f"{page_url}#card-{index + 1}"
        self.logger.warning("Giving up on %s: bad card: %s", url, reason)
        return RequestFailure(
            url=url,
            kind="list",
            error_type="bad card",
            error_message=reason[:1000],
            attempts=1,
            session_id=self.session_id,
        )

    def dead_letter(self, request, error_type, message, url=None):
        """A row of the dead-letter list for ``request`` (or for ``url``, a part of its page)."""
        url = url or request.meta.get("deltafetch_key", request.url)
        self.logger.warning("Giving up on %s: %s: %s", url, error_type, message)
        return RequestFailure(
            url=url,
            kind=request.meta.get("kind", "list"),
            error_type=error_type,
            error_message=message[:1000],
            attempts=request.meta.get("retry_times", 0) + 1,
            session_id=self.session_id,
        )

    def refused_record_letter(self, url, reason):
        """A ledger record that cannot be stored whole: it goes to the dead-letter list under
        ``url`` (its one-record endpoint, else its place on the page), kind the spider's
        name, so that the next complete walk of the same list can settle it."""
        self.crawler.stats.inc_value(stat_keys.DCL_REFUSED)
        self.logger.warning("Giving up on %s: refused record: %s", url, reason)
        return RequestFailure(
            url=url,
            kind=self.name,
            error_type=REFUSED,
            error_message=reason[:1000],
            attempts=1,
            session_id=self.session_id,
        )
