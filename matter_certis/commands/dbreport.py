"""``scrapy dbreport FILE.html``: charts and the newest products in one offline HTML file."""

from pathlib import Path

from scrapy.exceptions import UsageError

from matter_certis.cli import failures
from matter_certis.cli.command import DatabaseCommand
from matter_certis.output.files import replacing


class Command(DatabaseCommand):
    """Writes the report of ``matter_certis/output/report.py`` for the local database."""

    def syntax(self):
        return "[options] FILE.html"

    def short_desc(self):
        return "Write an HTML report with charts of the local database"

    def execute(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one output file, e.g. report.html")
        path = failures.output_path(Path(args[0]))
        if path.suffix.lower() not in (".html", ".htm"):
            raise UsageError(f"the report is HTML: give a file ending in .html, not {path.name}")
        with self.reading():
            # Imported here: Scrapy loads every command module on every run, a crawl
            # included, and matplotlib costs half a second and 60 MB.
            from matter_certis.output import report

            html = report.render()
        with replacing(path) as file:
            file.write(html.encode("utf-8"))
        print(f"Report written to {path} ({len(html) // 1024} KiB)")
