"""The base of the ``db*`` commands: the settings they read, resolved in one place (the
database, the feed exporters' options), and their errors as one line (``failures``). A
module without a command: Scrapy lists only the commands defined in a module."""

from abc import abstractmethod

from scrapy.commands import ScrapyCommand

from matter_certis.cli import failures
from matter_certis.db import connection
from matter_certis.db import freshness as db_freshness
from matter_certis.db.models import utc_now
from matter_certis.listing import freshness as listing_freshness
from matter_certis.output.exporters import exporter_for
from matter_certis.output.files import replacing


class DatabaseCommand(ScrapyCommand):
    """A command over the local database. ``execute`` does its work; an error it raises is
    one line on stderr with its exit code (``failures.in_one_line``)."""

    requires_project = True
    requires_crawler_process = False

    def run(self, args, opts):
        with failures.in_one_line(self):
            self.execute(args, opts)

    @abstractmethod
    def execute(self, args, opts):
        """The command's work, with the database's settings at hand."""

    @property
    def database_url(self):
        """``DATABASE_URL``, a relative SQLite path made absolute (``connection.resolve``)."""
        return connection.resolve(self.settings["DATABASE_URL"])

    def reading(self):
        """The database bound for reading only (``connection.reading``)."""
        return connection.reading(self.database_url)

    def freshness(self):
        """How fresh the listing's slots and detail pages are, against the max ages the
        settings give (``SettingError`` for one that is no duration)."""
        ages = (
            listing_freshness.seconds(name, self.settings.get(name))
            for name in ("MATTER_LISTING_MAX_AGE", "MATTER_DETAIL_MAX_AGE")
        )
        return db_freshness.freshness(utc_now(), *ages)

    def exporter_class(self, path):
        """The feeds' exporter for ``path``'s suffix (``csv``, ``json``, ``jsonl``, ``xlsx``),
        found before any work, with ``path``'s folder (``failures.output_path``):
        ``ValueError`` for another suffix."""
        failures.output_path(path)
        return exporter_for(self.settings, path.suffix.lstrip(".").lower())

    def write_items(self, path, exporter_class, items, **options):
        """Write ``items`` to ``path`` as the crawl's feeds are written: their encoding and
        indent, empty fields exported, the file put in place whole (``files.replacing``);
        ``options`` go to the exporter."""
        with replacing(path) as file:
            exporter = exporter_class(
                file,
                encoding=self.settings["FEED_EXPORT_ENCODING"],
                indent=self.settings.getint("FEED_EXPORT_INDENT"),
                export_empty_fields=True,
                **options,
            )
            exporter.start_exporting()
            for item in items:
                exporter.export_item(item)
            exporter.finish_exporting()
