"""Errors of the ``db*`` commands as one line on stderr, never a traceback or a page of usage
text: what went wrong and what to do. A module without a command: Scrapy lists only the
commands defined in a module."""

import sys
from contextlib import contextmanager

from peewee import PeeweeException
from scrapy.exceptions import UsageError

from matter_certis.exceptions import MissingWalk


@contextmanager
def in_one_line(command):
    """Run the body of ``command.run``; an error it raises is printed as ``scrapy <name>:
    error: <what>`` and sets the exit code: 2 for bad arguments and a database that is not
    the project's (``ValueError``, ``UsageError``), 1 for a file that cannot be written, a
    database that cannot be read or lacks a walk the command needs (``MissingWalk``), or a
    library of requirements-extras.txt not installed (a Scrapyd host has only
    requirements.txt)."""
    try:
        yield
    except ModuleNotFoundError as error:
        fail(
            command,
            f"needs {error.name}, one of the desk's extras: pip install -r requirements-extras.txt",
            exitcode=1,
        )
    except (UsageError, ValueError) as error:
        fail(command, str(error), exitcode=2)
    except MissingWalk as error:
        fail(command, str(error), exitcode=1)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        fail(command, f"cannot write{where}: {error.strerror or error}", exitcode=1)
    except PeeweeException as error:
        fail(command, f"cannot read the database: {' '.join(str(error).split())}", exitcode=1)


def fail(command, message, exitcode):
    name = type(command).__module__.rsplit(".", 1)[-1]
    print(f"scrapy {name}: error: {message}", file=sys.stderr)
    command.exitcode = exitcode


def output_path(path):
    """``path`` checked before any work: its folder must exist (a typo there should not cost
    a traceback after the export)."""
    if not path.parent.is_dir():
        raise UsageError(f"no folder {path.parent} to write {path.name} into: create it first")
    return path
