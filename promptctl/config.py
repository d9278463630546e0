"""Project configuration: ``promptctl.toml`` or ``[tool.promptctl]`` in ``pyproject.toml``.

The project root is the nearest folder, from the working directory upwards,
holding ``promptctl.toml``, a ``pyproject.toml`` with a ``[tool.promptctl]``
table, or a ``prompts/`` folder (``PROMPTCTL_PROJECT`` overrides the search).

Keys (all optional)::

    prompts_dir = "prompts"          # relative to the project root
    provider = "openai"              # overrides every prompt's front-matter provider
    model = "gpt-4.1-mini"           # model for that provider
    database_url = "sqlite:///.promptctl/runs.db"   # run store (env PROMPTCTL_DATABASE_URL wins)

    [models]                         # model per provider, when rendering for it
    anthropic = "claude-haiku-4-5"

    [providers.openai]               # passed to the SDK client
    base_url = "http://localhost:11434/v1"
    api_key_env = "OLLAMA_API_KEY"   # read the key from this variable instead of OPENAI_API_KEY
    timeout = 60                     # seconds
    max_retries = 2

    [providers.anthropic]
    base_url = "..."                 # also ANTHROPIC_BASE_URL

    [providers.watsonx]
    url = "https://us-south.ml.cloud.ibm.com"      # also WATSONX_URL
    project_id = "..."                              # also WATSONX_PROJECT_ID (or space_id / WATSONX_SPACE_ID)

    [prices."openai:my-model"]       # price overrides and custom models, USD per million tokens
    input_per_mtok = 0.5             # required
    output_per_mtok = 1.5            # required
    cached_input_per_mtok = 0.05     # optional, default input_per_mtok
    cache_write_per_mtok = 0.625     # optional, default input_per_mtok

    [limits]                         # resource limits (see promptctl.limits); the defaults:
    input_file_mb = 50               # largest file read (MiB): prompts, --vars, datasets, lockfiles
    render_output_mb = 10            # largest rendered template and value built while rendering (MiB)
    render_time_s = 10               # longest render (seconds)

    [lint]                           # promptctl lint settings (see docs/lint.md)
    disable = {SYS005 = "our prompts are machine-facing"}   # rule id -> reason (required)
    severity = {SYS004 = "warning"}  # rule id -> error | warning | info
    context_share = 0.5              # SIZE001: input tokens above this share of the context window
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.limits import DEFAULT_LIMITS, Limits, limits_from_table, read_input_text

CONFIG_FILE = "promptctl.toml"


@dataclass(frozen=True)
class ProjectConfig:
    """Settings of one project.

    Attributes:
        root: The project folder.
        prompts_dir: The registry folder.
        provider: Provider overriding the front matter's, or None.
        model: Model for ``provider``, or None.
        models: Model per provider.
        database_url: SQLAlchemy URL of the run store, or None for the default.
        providers: Per-provider client settings (``base_url``, ``api_key_env``, ``timeout`` in seconds,
            ``max_retries``, watsonx ``url``/``project_id``/``space_id``).
        prices: Price overrides by ``provider:model``: ``input_per_mtok``, ``output_per_mtok``,
            ``cached_input_per_mtok``, ``cache_write_per_mtok`` (USD per million tokens).
        source: The file the settings came from, or None.
        lint: The raw ``[lint]`` table (validated by :func:`promptctl.lint.settings.load_settings`).
        limits: The resource limits of ``[limits]`` (see :mod:`promptctl.limits`); the CLI puts them in force.
    """

    root: Path
    prompts_dir: Path
    provider: str | None = None
    model: str | None = None
    models: dict[str, str] = field(default_factory=dict)
    database_url: str | None = None
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    lint: dict[str, Any] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS

    def provider_settings(self, name: str) -> dict[str, Any]:
        """Client settings for provider ``name`` (empty when none are configured)."""
        return dict(self.providers.get(name, {}))


def find_root(start: Path | None = None) -> tuple[Path, Path | None, dict[str, Any]]:
    """Find the project root from ``start`` (default: ``PROMPTCTL_PROJECT`` or the working directory).

    Returns:
        (root, config file or None, the raw settings table).

    Raises:
        InputError: A config file is not valid TOML.
    """
    env = os.environ.get("PROMPTCTL_PROJECT")
    here = Path(start or env or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return folder, candidate, _read_toml(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("promptctl")
            if table is not None:
                return folder, pyproject, table
        if (folder / "prompts").is_dir():
            return folder, None, {}
    return here, None, {}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_input_text(path, what="config file"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: invalid TOML: {exc}", hint="fix the file's syntax") from None


def load_config(start: Path | None = None) -> ProjectConfig:
    """Load the project's configuration (see the module docstring for keys and precedence).

    Raises:
        InputError: Invalid TOML, or a key of the wrong type.
    """
    root, source, table = find_root(start)
    known = {"prompts_dir", "provider", "model", "models", "database_url", "providers", "prices", "lint", "limits"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(
            f"{source}: unknown promptctl setting(s): {', '.join(unknown)}", hint=f"known: {sorted(known)}"
        )
    for key in ("models", "providers", "prices", "lint", "limits"):
        if not isinstance(table.get(key, {}), dict):
            raise InputError(f"{source}: '{key}' must be a table")
    return ProjectConfig(
        root=root,
        prompts_dir=root / str(table.get("prompts_dir", "prompts")),
        provider=table.get("provider"),
        model=table.get("model"),
        models={str(k): str(v) for k, v in table.get("models", {}).items()},
        database_url=table.get("database_url"),
        providers={str(k): dict(v) for k, v in table.get("providers", {}).items()},
        source=source,
        prices=_prices(table.get("prices", {}), source),
        lint=dict(table.get("lint", {})),
        limits=limits_from_table(table.get("limits", {}), str(source)),
    )


_PRICE_KEYS = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "batch_factor")


def _prices(table: dict[str, Any], source: Path | None) -> dict[str, dict[str, float]]:
    """Validate ``[prices."provider:model"]`` tables (USD per million tokens, >= 0).

    Raises:
        InputError: A key is not ``provider:model``, a field is unknown or missing, or a value is not a
            non-negative number.
    """
    out: dict[str, dict[str, float]] = {}
    for key, row in table.items():
        where = f'{source}: [prices."{key}"]'
        provider, sep, model = str(key).partition(":")
        if not sep or not provider or not model:
            raise InputError(f"{where}: the key must be 'provider:model'", hint='e.g. [prices."openai:my-model"]')
        if not isinstance(row, dict):
            raise InputError(f"{where} must be a table", hint="input_per_mtok = 0.5, output_per_mtok = 1.5")
        unknown = sorted(set(row) - set(_PRICE_KEYS))
        if unknown:
            raise InputError(
                f"{where}: unknown field(s) {', '.join(unknown)}", hint=f"fields: {', '.join(_PRICE_KEYS)}"
            )
        missing = [k for k in _PRICE_KEYS[:2] if k not in row]
        if missing:
            raise InputError(
                f"{where}: missing {', '.join(missing)}", hint="input_per_mtok = 0.5, output_per_mtok = 1.5"
            )
        values: dict[str, float] = {}
        for name, value in row.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"{where}: {name} must be a number >= 0 (USD per million tokens), not {value!r}")
            if name == "batch_factor" and value > 1:
                raise InputError(f"{where}: batch_factor is the fraction of the standard price a batch call costs "
                                 f"(0-1), not {value!r}", hint="batch_factor = 0.5")
            values[name] = float(value)
        out[str(key)] = values
    return out
