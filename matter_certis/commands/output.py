"""What the ``db*`` commands print: output a pipe may stop reading early (``| head``) ends
quietly, and an error is one line on stderr with exit code 2, never a traceback. A module
without a command."""

import os
import sys

USAGE_ERROR = 2


def write(text):
    """``text`` and a newline to stdout."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader is gone: what is left to flush at exit goes nowhere (Python's advice).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def error(command, message):
    """Print ``scrapy <command>: error: <message>`` on one line; returns the exit code."""
    print(f"scrapy {command}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return USAGE_ERROR
