"""``scrapy dbchanges``: what changed in the database since the last sync (or a date), for a
person (text), a commit or chat message (markdown, headline), a script (json) or a feed
reader (atom)."""

from datetime import datetime

from scrapy.exceptions import UsageError

from matter_certis.cli import output, when
from matter_certis.cli.command import DatabaseCommand
from matter_certis.db import changes
from matter_certis.output.digest import digest
from matter_certis.output.digest_formats import FORMATS

# Before any run: "since the beginning" is every row.
BEGINNING = datetime(1970, 1, 1)


def since_of(text):
    """``--since``: ``last`` (the start of the latest completed ``matter_products`` run;
    every change when none completed yet), or what ``when.moment`` reads (a date, an ISO
    time, a period back such as ``7d``). Returns (since, what it is)."""
    if text == "last":
        run = changes.last_completed_sync()
        if run is None:
            return BEGINNING, "no completed sync yet: every change"
        return run["started_at"], f"the start of the last completed sync, {run['session_id']}"
    return when.moment(text), f"--since {text.strip()}"


class Command(DatabaseCommand):
    """Prints the changes ``db/changes.py`` finds since ``--since`` in the ``--format`` asked for."""

    def syntax(self):
        return "[--since last|DATE] [--format text|markdown|json|atom|headline]"

    def short_desc(self):
        return (
            "What changed since the last sync: products, the ledger, new firmware and its changes"
        )

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument(
            "--since",
            default="last",
            metavar="last|DATE|PERIOD",
            help="last (default): since the start of the latest completed "
            "matter_products run; or a date (2025-06-27), a UTC time "
            "(2025-06-27T08:00) or a period back from now (7d, 2w, 1m, 1y)",
        )
        parser.add_argument(
            "--format", default="text", help="text (default), markdown, json, atom or headline"
        )

    def execute(self, args, opts):
        if args:
            raise UsageError(f"unexpected argument {args[0]!r}: use --since and --format")
        if opts.format not in FORMATS:
            raise UsageError(f"unknown format {opts.format!r}: use one of {', '.join(FORMATS)}")
        with self.reading():
            since, basis = since_of(opts.since)
            found = digest(since, basis)
        output.write(FORMATS[opts.format](found))
