"""Everyday commands load only what they use: reading prompts never imports Jinja2, the session stack, SQLAlchemy,
tiktoken, genai-prices, scipy or a provider SDK (a regression here is seconds of start-up on every command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("jinja2", "promptctl.session", "sqlalchemy", "tiktoken", "genai_prices", "scipy", "openai", "anthropic",
         "ibm_watsonx_ai", "instructor", "jsonschema")
PROBE = """
import json, sys
from promptctl.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""
Loaded = Callable[..., tuple[int, list[str]]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """``loaded(argv, heavy)``: ``(exit code, the modules of heavy imported)`` of ``promptctl argv`` run in a new
    process with a new run store and user cache. One process per argv in this module: tests that ask about other
    modules of the same command read the same process's ``sys.modules``."""
    runs: dict[tuple[str, ...], tuple[int, list[str], str]] = {}

    def probe(argv: list[str], heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
        if tuple(argv) not in runs:
            runs[tuple(argv)] = loaded_and_printed(argv, tmp_path_factory.mktemp("cold"), None)
        code, modules, _ = runs[tuple(argv)]
        return code, [m for m in modules if m in heavy]

    return probe


def loaded_and_printed(argv: list[str], tmp_path: Path, heavy: tuple[str, ...] | None = HEAVY
                       ) -> tuple[int, list[str], str]:
    """``(exit code, the modules of heavy imported (None: every module), stdout)`` of ``promptctl argv`` in a new
    process with the run store and user cache in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTCTL_")}
    env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'runs.db'}"
    env["PROMPTCTL_CACHE_DIR"] = str(tmp_path / "cache")
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    probe = json.loads(out.stderr.rsplit("PROBE ", 1)[1])
    return probe["code"], [m for m in probe["modules"] if heavy is None or m in heavy], out.stdout


def test_help_imports_typer_and_no_command_module_nor_any_other_library(loaded: Loaded) -> None:
    from promptctl.cli import COMMANDS

    libraries = ("pydantic", "rich", "yaml", "httpx", "click", "opentelemetry", "psycopg", "PIL", "numpy", "pypdf",
                 "typer._adapters")
    modules = tuple(sorted({f"promptctl.cli.{module}" for module, _ in COMMANDS.values()}))
    code, heavy = loaded(["--help"], HEAVY + libraries + modules)
    assert code == 0 and heavy == []


@pytest.mark.parametrize("argv", [["list"], ["show", "support-agent@production"], ["--help"], ["verify"]])
def test_reading_prompts_imports_nothing_heavy(argv: list[str], loaded: Loaded) -> None:
    code, heavy = loaded(argv)
    assert code == 0 and heavy == []


def test_render_imports_jinja2_but_no_store_pricing_or_sdk(loaded: Loaded) -> None:
    code, heavy = loaded(["render", "support-agent", "--vars", "fixtures/support-agent/sample.yaml"])
    assert code == 0 and "jinja2" in heavy
    assert not {"sqlalchemy", "tiktoken", "genai_prices", "scipy", "openai", "anthropic"} & set(heavy)


def test_a_second_cost_or_dry_run_imports_no_price_table_nor_tokenizer_and_prints_the_same(tmp_path: Path) -> None:
    """genai-prices' answers and the token counts are remembered in the user cache: a second ``cost`` (and a
    ``run --dry-run`` of the same prompt) imports neither genai-prices nor tiktoken, and prints the same."""
    probe = ("genai_prices", "tiktoken")
    sample = "fixtures/support-agent/sample.yaml"
    cost = ["cost", "support-agent", "--vars", sample, "--model", "gpt-4o-mini", "--model",
            "anthropic:claude-sonnet-4-6"]
    code, cold_modules, cold = loaded_and_printed([*cost, "--json"], tmp_path, probe)
    assert code == 0 and cold_modules == ["genai_prices", "tiktoken"]  # a new user cache: both are needed
    code, warm_modules, warm = loaded_and_printed([*cost, "--json"], tmp_path, probe)
    assert code == 0 and warm_modules == [] and warm == cold
    dry_run = ["run", "support-agent", "--vars", sample, "--dry-run", "--model", "gpt-4o-mini"]
    code, modules, _ = loaded_and_printed(dry_run, tmp_path, (*probe, "asyncio"))
    assert code == 0 and modules == []  # a dry run makes no call: no event loop either


def test_options_left_out_build_no_typer_coercion(loaded: Loaded) -> None:
    """typer builds a pydantic TypeAdapter per parameter at parse time; promptctl defers it to given values."""
    code, heavy = loaded(["list"], ("typer._adapters",))
    assert code == 0 and heavy == []
    code, heavy = loaded(["show", "support-agent@production"], ("typer._adapters",))  # a str argument
    assert code == 0 and heavy == []
    code, heavy = loaded(["log", "-n", "5"], ("typer._adapters",))  # a plain number: coerced plainly
    assert code == 0 and heavy == []
    code, heavy = loaded(["render", "support-agent", "--vars", "fixtures/support-agent/sample.yaml"],
                         ("typer._adapters", "asyncio"))  # a path; rendering needs no event loop
    assert code == 0 and heavy == []
    code, heavy = loaded(["log", "-n", "x5"], ("typer._adapters",))  # a bad value: typer's own message
    assert code == 2 and heavy == ["typer._adapters"]


def test_the_command_line_looks_up_no_pydantic_plugin(tmp_path: Path) -> None:
    """Looking pydantic plugins up reads every installed distribution's entry points: the CLI turns it off,
    unless the user set PYDANTIC_DISABLE_PLUGINS."""
    probe = ("import os, sys\nfrom promptctl.cli import main\ntry:\n    main(['list'])\nexcept SystemExit:\n    pass\n"
             "from pydantic.plugin._loader import get_plugins\n"
             "sys.stderr.write(f'PLUGINS {os.environ.get(\"PYDANTIC_DISABLE_PLUGINS\")} {list(get_plugins())!r}')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMPTCTL_", "PYDANTIC_"))}
    env["PROMPTCTL_CACHE_DIR"] = str(tmp_path / "cache")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.stderr.rsplit("PLUGINS ", 1)[1] == "__all__ []"
    kept = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**env, "PYDANTIC_DISABLE_PLUGINS": "x"},
                          capture_output=True, text=True, timeout=120)
    assert kept.stderr.rsplit("PLUGINS ", 1)[1].startswith("x [")  # a value the user set is kept


@pytest.fixture(scope="module")
def current_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store at this release's revision holding one recorded run of support-agent (written in-process)."""
    from promptctl.store.runs import RunStore

    folder = tmp_path_factory.mktemp("current-store")
    store = RunStore(f"sqlite:///{folder / 'runs.db'}")
    run_id = store.start_run(id="ab" * 16, ref="support-agent@3", prompt_name="support-agent", prompt_version=3,
                             prompt_sha256="0" * 64, provider="anthropic", model="claude-sonnet-4-6")
    store.add_call(run_id, provider="anthropic", model="claude-sonnet-4-6", fingerprint="f", request={},
                   output="Hi", output_tokens=120)
    store.finish_run(run_id, status="ok", output="Hi")
    store.close()
    return folder


@pytest.mark.parametrize("argv", [
    ["log", "-n", "5"], ["log", "show", "abab"], ["log", "--summary"],
    ["cost", "support-agent", "--vars", "fixtures/support-agent/sample.yaml"],
    ["run", "support-agent", "--vars", "fixtures/support-agent/sample.yaml", "--dry-run"],
])
def test_reading_a_current_sqlite_store_imports_no_sqlalchemy(argv: list[str], current_store: Path) -> None:
    """log, log show, log --summary and the recorded outputs of cost and run --dry-run read it with sqlite3; log
    reads neither prompts nor templates."""
    reading = ("promptctl.registry.frontmatter", "promptctl.registry.registry", "jinja2", "yaml") \
        if argv[0] == "log" else ()
    code, heavy, _ = loaded_and_printed(argv, current_store, ("sqlalchemy", "alembic", *reading))
    assert code == 0 and heavy == []


@pytest.mark.parametrize("argv", [["list"], ["show", "support-agent@production"],
                                  ["render", "support-agent", "--vars", "fixtures/support-agent/sample.yaml"]])
def test_reading_and_rendering_import_no_package_metadata(argv: list[str], loaded: Loaded) -> None:
    """pydantic's plugin loader imports importlib.metadata (email, zipfile, csv...) only when plugins are wanted."""
    code, heavy = loaded(argv, ("importlib.metadata", "email", "zipfile"))
    assert code == 0 and heavy == []
