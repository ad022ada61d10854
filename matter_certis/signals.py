"""Signals of this project (sent with ``crawler.signals.send_catch_log``)."""

#: Sent by DatabasePipeline after a transaction committed detail rows; argument ``urls``.
details_stored = object()

#: Sent by RunRecord when it has judged a run ``completed``, inside the transaction that
#: writes the run's row; argument ``spider``. DatabasePipeline then writes what only a
#: complete run may: delistings and the end of answered listing failures.
run_completed = object()
