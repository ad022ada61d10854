"""A throwaway PostgreSQL server for tests: Debian's ``postgresql`` binaries, ``initdb`` in a
temporary directory, listening on a free loopback port (``.ci/run`` installs the package)."""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg2

from tests.helpers import free_port


def find_binaries():
    """The directory holding ``initdb`` and ``pg_ctl`` (Debian keeps them off the PATH), or None."""
    candidates = [os.path.dirname(shutil.which("initdb") or "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if directory and all(Path(directory, name).exists() for name in ("initdb", "pg_ctl")):
            return Path(directory)
    return None


class PostgresServer:
    """``initdb`` + ``pg_ctl start`` in a temporary directory; ``stop()`` removes it all.

    initdb refuses to run as root, so under root the server runs as the ``postgres`` user
    that Debian's package creates.
    """

    def __init__(self, binaries):
        self.binaries = binaries
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="matter-certis-pg-"))
        self.data = self.root / "data"
        self.databases = 0

    def run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(command), check=True, capture_output=True, text=True)

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.run(
            str(self.binaries / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c max_connections=50"
        )
        self.run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )
        return self

    def stop(self):
        try:
            self.run(
                str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self):
        """A new empty database; returns its URL."""
        self.databases += 1
        name = f"crawl_{self.databases}"
        connection = psycopg2.connect(self.url())
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {name}")
        finally:
            connection.close()
        return self.url(name)
