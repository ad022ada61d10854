"""``scrapy dbcheck``: integrity checks on the local database, for scripts and people."""

from matter_certis.cli.command import DatabaseCommand
from matter_certis.db import checks

EXAMPLES = 3


class Command(DatabaseCommand):
    """Runs every check of ``checks.problems``; prints each problem with examples and what
    to do. Exit code 1 when something is wrong, 0 when the database is healthy."""

    def short_desc(self):
        return "Check the local database's integrity (exit code 1 if something is wrong)"

    def execute(self, args, opts):
        with self.reading():
            problems = checks.problems() + [checks.stale(self.freshness())]
        found = [problem for problem in problems if problem.count]
        for problem in problems:
            print(f"{'FAIL' if problem.count else 'ok':<6}{problem.name}: {problem.shown}")
            if problem.count:
                for example in problem.examples[:EXAMPLES]:
                    print(f"        e.g. {example}")
                print(f"        what to do: {problem.advice}")
        if found:
            print(f"\n{len(found)} problem(s) found.")
            self.exitcode = 1
        else:
            print("\nThe database is healthy.")
