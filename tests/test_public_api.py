"""The public API is complete, importable, documented, and imports no provider SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

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


_PROMPT = """\
---
description: A support reply
provider: openai
model: gpt-4o-mini
variables:
  customer_message: {type: string, input: true}
  model: {type: string, default: "X100"}
---
{% user %}About the {{ model }}: {{ customer_message }}{% enduser %}
"""


@pytest.fixture(scope="module")
def version(tmp_path_factory: pytest.TempPathFactory) -> promptctl.PromptVersion:
    folder = tmp_path_factory.mktemp("api") / "prompts" / "support"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(_PROMPT, encoding="utf-8")
    return promptctl.Registry(folder.parent).get("support@1")


def test_render_takes_variables_as_a_mapping_too_even_ones_named_like_its_arguments(version) -> None:
    request = promptctl.render(version, "openai", variables={"model": "Z9", "customer_message": "hi"})
    assert request.model == "gpt-4o-mini"  # the variable did not become the model id
    assert request.body["messages"][-1]["content"] == "About the Z9: hi"
    both = promptctl.render(version, "openai", variables={"model": "Z9"}, customer_message="hi")
    assert both.body == request.body


def test_render_with_the_variables_where_the_provider_goes_says_so(version) -> None:
    with pytest.raises(TypeError, match=r"variables were given as the provider.*variables=\{"):
        promptctl.render(version, {"customer_message": "hi"})  # type: ignore[arg-type]


def test_run_names_a_misspelt_option_and_rejects_variables_that_are_not_a_mapping(version) -> None:
    fake = promptctl.FakeProvider(["ok"])
    with pytest.raises(TypeError, match=r"promptctl.run\(\) .* 'provder' \(did you mean 'provider'\?\)"):
        promptctl.run(version, {"customer_message": "hi"}, provder=fake)
    with pytest.raises(TypeError, match="'customer_message'; it takes variables as a mapping and provider, model"):
        promptctl.run(version, customer_message="hi", provider=fake)
    with pytest.raises(TypeError, match="variables must be a mapping .* not str"):
        promptctl.run(version, "hi", provider=fake)  # type: ignore[arg-type]
    assert fake.requests == []
    assert promptctl.run(version, {"customer_message": "hi"}, provider=fake).output == "ok"


def test_an_undeclared_variable_warning_names_the_caller_s_line(version) -> None:
    with pytest.warns(promptctl.PromptctlWarning, match="'custmer_message'") as caught:
        promptctl.render(version, "openai", customer_message="hi", custmer_message="hi")
    assert [w.filename for w in caught] == [__file__]


def test_run_inside_an_event_loop_says_to_await_arun(version) -> None:
    import asyncio

    fake = promptctl.FakeProvider(["ok"])

    async def notebook_cell() -> promptctl.Result:
        with pytest.raises(RuntimeError, match=r"inside a running event loop.*await promptctl.arun"):
            promptctl.run(version, {"customer_message": "hi"}, provider=fake)
        return await promptctl.arun(version, {"customer_message": "hi"}, provider=fake)

    assert asyncio.run(notebook_cell()).output == "ok"


def test_no_module_shadows_a_public_function() -> None:
    """A submodule named like a public function (the old ``promptctl/run.py`` shim) replaced ``promptctl.run``
    with a module once anything imported it; no such module may exist."""
    import pkgutil

    import promptctl

    modules = {info.name for info in pkgutil.iter_modules(promptctl.__path__)}
    assert not modules & set(promptctl.__all__), modules & set(promptctl.__all__)


def test_a_missing_variable_hint_serves_python_callers_too() -> None:
    """Library errors name the Python form beside the command-line one (they used to say only --var)."""
    from pathlib import Path

    import promptctl

    version = promptctl.Registry(Path(__file__).resolve().parents[1] / "prompts").get("support-agent@3")
    with pytest.raises(promptctl.UndefinedVariableError) as info:
        promptctl.render(version, variables={})
    assert "variables={'customer_message': ...}" in info.value.hint and "--var customer_message=" in info.value.hint
