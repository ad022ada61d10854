"""Files written whole or not at all: written beside their target under a temporary name,
flushed to the disk, then renamed over it. A kill, a full disk or an error midway leaves the
earlier file as it was (and at most a hidden ``.<name>.<random>.part`` beside it after a
kill). Every file the db commands and the crawl's feeds write goes through here."""

import errno
import os
import secrets
import stat
from contextlib import contextmanager, suppress
from pathlib import Path


class Replacement:
    """A new version of ``path`` being written: ``file``, opened for binary writing, is a
    temporary file in the same folder (a rename within one file system is atomic);
    ``commit`` puts it in place, ``discard`` removes it."""

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():  # found now: os.replace would name the temporary file
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(self.path))
        self.temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.part")
        try:
            # Mode 0o666 less the umask, as open() gives a new file (mkstemp's is 0o600).
            descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as error:
            self.naming(error)
            raise
        self.file = os.fdopen(descriptor, "wb")

    def commit(self):
        """Flush the file to the disk and rename it over ``path`` (which keeps its mode)."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        with suppress(FileNotFoundError):
            os.chmod(self.temporary, stat.S_IMODE(os.stat(self.path).st_mode))
        os.replace(self.temporary, self.path)
        # The rename itself reaches the disk with the folder's entry.
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def naming(self, error):
        """``error`` naming the file the user asked for, not its temporary stand-in."""
        if error.filename in (None, str(self.temporary)):
            error.filename, error.filename2 = str(self.path), None
        return error

    def discard(self):
        """Remove the temporary file; ``path`` is left as it was."""
        with suppress(OSError):  # closing flushes what is buffered: a full disk again
            self.file.close()
        self.temporary.unlink(missing_ok=True)


@contextmanager
def replacing(path):
    """A binary file to write ``path``'s new content into: put in place when the body ends
    without an error, else removed. An ``OSError`` names ``path``."""
    replacement = Replacement(path)
    try:
        yield replacement.file
        replacement.commit()
    except BaseException as error:
        replacement.discard()
        if isinstance(error, OSError):
            replacement.naming(error)
        raise
