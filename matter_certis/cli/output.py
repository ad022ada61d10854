"""Output of the ``db*`` commands that print what a pipe reads: a reader that stops early
(``| head``) ends the output quietly, without a traceback. A module without a command."""

import os
import sys


def write(text):
    """``text`` and a newline to stdout."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader is gone: what is left to flush at exit goes nowhere (Python's advice).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
