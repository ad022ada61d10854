"""The dead-letter list (``failed_requests``): requests that failed, kept until a later run
fetches them."""

from peewee import EXCLUDED, chunked

from matter_certis.db.models import FailedRequest, Product, utc_now
from matter_certis.db.store import ROWS_PER_STATEMENT


def record_failures(rows):
    """Add requests to the dead-letter list; a known url keeps its first failure time."""
    now = utc_now()
    rows = list(
        {
            row["url"]: {**row, "first_failed_at": now, "last_failed_at": now} for row in rows
        }.values()
    )
    update = {
        FailedRequest.kind: EXCLUDED.kind,
        FailedRequest.error_type: EXCLUDED.error_type,
        FailedRequest.error_message: EXCLUDED.error_message,
        FailedRequest.attempts: FailedRequest.attempts + EXCLUDED.attempts,
        FailedRequest.last_failed_at: EXCLUDED.last_failed_at,
        FailedRequest.session_id: EXCLUDED.session_id,
    }
    for batch in chunked(rows, ROWS_PER_STATEMENT):
        FailedRequest.insert_many(batch).on_conflict(
            conflict_target=[FailedRequest.url], update=update
        ).execute()


def clear_failures(urls):
    """Take urls that have now been fetched off the dead-letter list."""
    for batch in chunked(urls, ROWS_PER_STATEMENT):
        FailedRequest.delete().where(FailedRequest.url.in_(batch)).execute()


def clear_delisted_details():
    """Failed details of delisted products are settled: no run asks for them again."""
    delisted = Product.select(Product.url).where(Product.delisted_at.is_null(False))
    FailedRequest.delete().where(
        (FailedRequest.kind == "detail") & FailedRequest.url.in_(delisted)
    ).execute()


def clear_earlier(kind, session_id):
    """Failures of ``kind`` from earlier runs are answered by a run that read the whole
    source: listing failures by a run over the whole listing (kind ``list``), refused ledger
    records by a complete walk of their list (kind the spider's name), which dead-lettered
    again those still refused."""
    FailedRequest.delete().where(
        (FailedRequest.kind == kind) & (FailedRequest.session_id != session_id)
    ).execute()
