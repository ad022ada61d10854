"""Signals of this project (sent with ``crawler.signals.send_catch_log``)."""

#: Sent by DatabasePipeline after a transaction committed detail rows; argument ``urls``.
details_stored = object()

#: Sent by RunRecord when it has judged a run ``completed``, inside the transaction that
#: writes the run's row; argument ``spider``. DatabasePipeline then writes what only a
#: complete run may: delistings and the end of answered listing failures.
run_completed = object()

#: Sent by BackoffRetryMiddleware when a request waits before its retry; arguments
#: ``request``, ``reason`` (what answered, in words: ``answered 503 Service Unavailable``)
#: and ``delay`` (seconds). Progress says so while the site fails.
retry_waiting = object()

#: Sent when that wait is over (the retry goes, or the run stops); argument ``request``.
retry_waited = object()
