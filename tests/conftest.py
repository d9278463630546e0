"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer


def pytest_configure(config: pytest.Config) -> None:
    """Import promptctl's modules as they are, without pytest's assertion rewriting.

    pytest rewrites every module of a distribution that registers a ``pytest11`` plugin (promptctl does), so
    each promptctl module imported during a test would be parsed and rewritten, possibly in a thread: on
    Python 3.11 two threads parsing at once can raise "AST constructor recursion depth mismatch" (CPython
    gh-106905). promptctl's own code has no test assertions to rewrite. (``_must_rewrite`` is pytest's
    private set of names; if it is gone, nothing changes.)
    """
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if isinstance(marked, set):
            marked.discard("promptctl")


@pytest.fixture
def server() -> Iterator[LoopbackLLMServer]:
    """A loopback OpenAI/Anthropic server (promptctl.testing), stopped after the test."""
    with LoopbackLLMServer(max_lifetime_s=60) as srv:
        yield srv


@pytest.fixture(scope="session", autouse=True)
def _no_terminal_width() -> Iterator[None]:
    """Piped output is 160 columns wide unless ``COLUMNS`` says otherwise: keep the shell's ``COLUMNS`` out."""
    saved = os.environ.pop("COLUMNS", None)
    yield
    if saved is not None:
        os.environ["COLUMNS"] = saved


@pytest.fixture(scope="session", autouse=True)
def _user_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep promptctl's user cache (registry index cache, tiktoken files) out of the real home during tests."""
    saved = os.environ.get("PROMPTCTL_CACHE_DIR")
    if saved is None:
        os.environ["PROMPTCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if saved is None:
        os.environ.pop("PROMPTCTL_CACHE_DIR", None)


@pytest.fixture(scope="session", autouse=True)
def _sqlite_commits_without_fsync() -> Iterator[None]:
    """SQLite databases opened through SQLAlchemy in the test processes commit without fsync.

    ``PRAGMA synchronous=OFF`` on each new connection: the same rows, files and locking, only not forced to the
    disk at every commit (a run records three commits; on a busy shared disk each fsync costs milliseconds). What
    survives a crash is tested with real processes (``kill -9`` in tests/e2e), which this does not reach.
    """
    import sqlite3

    import sqlalchemy as sa

    def without_fsync(dbapi_connection: object, _record: object) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    sa.event.listen(sa.engine.Engine, "connect", without_fsync)
    yield
    sa.event.remove(sa.engine.Engine, "connect", without_fsync)


# -- the one CLI harness -----------------------------------------------------------------------------------
SDK_ENV_PREFIXES = ("OPENAI_", "ANTHROPIC_", "WATSONX_", "IBM_SDK_")
"""Environment variables of the provider SDKs (by prefix): the one list every conftest clears."""
SDK_ENV_NAMES = (
    "PROJECT_ID", "SPACE_ID", "USER_ACCESS_TOKEN", "RUNTIME_ENV_ACCESS_TOKEN_FILE", "RUNTIME_ENV_APSX_URL",
    "WX_CLIENT_VERIFY_REQUESTS", "FLIGHT_SERVICE_LOCATION", "FLIGHT_SERVICE_PORT",
)
"""Unprefixed variables ibm-watsonx-ai reads (and writes into ``os.environ`` from credentials)."""
PROMPTCTL_ENV = ("PROMPTCTL_DATABASE_URL", "PROMPTCTL_PROJECT", "PROMPTCTL_DEBUG", "PROMPTCTL_FAKE_REPLIES")
"""promptctl's own variables that change what a command does (the cache folder is kept)."""


def is_sdk_env(name: str) -> bool:
    """True for a provider SDK's or promptctl's behaviour-changing environment variable."""
    return name.startswith(SDK_ENV_PREFIXES) or name in PROMPTCTL_ENV or name in SDK_ENV_NAMES


def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every :func:`is_sdk_env` variable for the test, and whatever an SDK writes to them during it."""
    for name in [n for n in os.environ if is_sdk_env(n)]:
        monkeypatch.delenv(name)
    for name in SDK_ENV_NAMES:
        monkeypatch.setenv(name, "")  # recorded, so teardown removes whatever the SDK wrote
        monkeypatch.delenv(name)


def chosen_env() -> dict[str, str]:
    """The SDK and promptctl variables the test has set (``monkeypatch.setenv``), to hand to :func:`run_cli`.

    ``run_cli(..., env=chosen_env())`` runs the command with exactly what the test chose (a fixture that cleaned
    the environment first leaves only those), as a fresh process started with them would see.
    """
    return {name: value for name, value in os.environ.items() if is_sdk_env(name)}


@dataclass
class CLIRun:
    """What one ``promptctl`` invocation gave: the attributes of :class:`subprocess.CompletedProcess`."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path, env: Mapping[str, str | None] | None = None, stdin: str | bytes = ""
            ) -> CLIRun:
    """``promptctl ARGS`` in this process through :func:`promptctl.cli.main`, as a fresh process would run it.

    The working directory is ``cwd``; the environment is this one without the SDKs' and promptctl's
    variables (:func:`is_sdk_env`), plus ``env`` (None unsets); warnings are shown as on a fresh start;
    stdout and stderr are captured (not a terminal). Everything is restored afterwards.
    """
    import contextlib
    import io
    import traceback
    import warnings

    from promptctl.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        for name in [n for n in os.environ if is_sdk_env(n)]:
            del os.environ[name]
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.chdir(cwd)
        with warnings.catch_warnings(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                _stdin(stdin):
            warnings.simplefilter("default")  # a fresh registry: each invocation shows its warnings
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if isinstance(exc.code, str):
                    err.write(exc.code + "\n")
            except Exception:  # noqa: BLE001 - what the interpreter does with an uncaught exception
                err.write(traceback.format_exc())
                code = 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return CLIRun(["promptctl", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str | bytes) -> Iterator[None]:
    import io

    saved = sys.stdin
    # bytes: a real stdin's shape (text over a binary .buffer), for piped images and non-UTF-8 input
    sys.stdin = (io.TextIOWrapper(io.BytesIO(text), encoding="utf-8", errors="surrogateescape")
                 if isinstance(text, bytes) else io.StringIO(text))
    try:
        yield
    finally:
        sys.stdin = saved


# -- PostgreSQL (Debian's postgresql package; .ci/run installs it) ------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One throwaway PostgreSQL server per test session (per xdist worker), as the ``postgres`` user under root.

    A missing server is a failure, not a skip: ``apt-get install postgresql`` (``.ci/run`` does it).
    """
    from promptctl.testing.postgres import TemporaryPostgres

    with TemporaryPostgres() as pg:
        yield pg


@pytest.fixture
def postgres_url(postgres_server: object) -> str:
    """The URL of a new, empty database on :func:`postgres_server` (``postgresql+psycopg://...``)."""
    from promptctl.testing.postgres import TemporaryPostgres

    assert isinstance(postgres_server, TemporaryPostgres)
    return postgres_server.create_database()
