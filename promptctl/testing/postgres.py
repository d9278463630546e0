"""A throwaway PostgreSQL server for tests and benchmarks: Debian's ``postgresql`` package, started in a temp folder.

The server refuses to run as root, and CI runs as root: then ``initdb``, ``pg_ctl`` and the server run as
the ``postgres`` user the package creates (``runuser -u postgres``), on a data folder it owns. As any
other user they run as that user. The server listens on a unix socket in the temp folder only (no TCP
port to collide with), trusts local connections, and trades durability for speed (``fsync=off``): it is
for tests, never for data.

Example::

    with TemporaryPostgres() as pg:
        url = pg.create_database("runs")   # postgresql+psycopg://postgres@/runs?host=/tmp/...
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed (``apt-get install postgresql``), or it did not start."""


def server_bin() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: the newest ``/usr/lib/postgresql/*/bin``, else the ``PATH``'s.

    Raises:
        PostgresUnavailable: Neither is there.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL's server is not installed: apt-get install postgresql (.ci/run does it)")


class TemporaryPostgres:
    """A PostgreSQL server in a temp folder, stopped and deleted on exit.

    Args:
        user: The OS user the server runs as when this process is root (default ``postgres``).

    Attributes:
        folder: The temp folder (data in ``data/``, the socket beside it).

    Raises:
        PostgresUnavailable: Not installed, or ``initdb``/``pg_ctl start`` failed (its output in the message).
    """

    def __init__(self, user: str = "postgres") -> None:
        self.bin = server_bin()
        self.as_root = os.geteuid() == 0
        self.user = user
        self.folder = Path(tempfile.mkdtemp(prefix="promptctl-pg-"))
        self.data = self.folder / "data"
        self.port = 5432  # only names the socket file (.s.PGSQL.5432) in our own folder: no TCP listener
        self._started = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}")

    def start(self) -> TemporaryPostgres:
        """Create the cluster and start the server (a few seconds)."""
        if self.as_root:
            shutil.chown(self.folder, user=self.user)
        self._run("initdb", "--no-sync", "--auth=trust", "--username=postgres", "--encoding=UTF8",
                  "--locale=C", "-D", str(self.data))
        options = (f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' -c port={self.port} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"),
                  "-w", "-t", "60", "start")
        self._started = True
        return self

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3 over the unix socket)."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={self.port}"

    def create_database(self, name: str | None = None) -> str:
        """Create a new empty database (default: a unique name); returns its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.folder), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (immediately: nothing here is kept) and delete the folder."""
        try:
            if self._started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            self._started = False
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
