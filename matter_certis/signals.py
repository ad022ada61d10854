"""Signals of this project (sent with ``crawler.signals.send_catch_log``)."""

#: Sent by DatabasePipeline after a transaction committed detail rows; argument ``urls``.
details_stored = object()
