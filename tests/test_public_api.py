"""The public API is complete, importable, documented, and imports no provider SDK."""

from __future__ import annotations

import subprocess
import sys

import promptctl


def test_all_names_resolve_and_are_documented() -> None:
    for name in promptctl.__all__:
        value = getattr(promptctl, name)
        if name != "__version__":
            assert getattr(value, "__doc__", None), f"{name} has no docstring"


def test_lazy_table_matches_all() -> None:
    assert set(promptctl._LAZY) | {"__version__"} == set(promptctl.__all__)


def test_importing_promptctl_loads_no_sdk() -> None:
    code = (
        "import sys, promptctl, promptctl.cli; r = promptctl.Registry('.');"
        "print(sorted(m for m in ('openai','anthropic','ibm_watsonx_ai','instructor','tiktoken','sqlalchemy')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
