"""Variable validation is compiled once per distinct set of declarations, and never shared between different ones."""

from __future__ import annotations

import pytest

from promptctl.errors import VariableError
from promptctl.templating.variables import VariableSpec, _variables_model, validate_variables


def specs(**kwargs: dict) -> dict[str, VariableSpec]:
    return {name: VariableSpec.model_validate(spec) for name, spec in kwargs.items()}


def test_equal_declarations_share_one_compiled_model() -> None:
    a = specs(q={"type": "string"}, tone={"type": "enum", "values": ["a", "b"], "default": "a"})
    b = specs(q={"type": "string"}, tone={"type": "enum", "values": ["a", "b"], "default": "a"})
    assert _variables_model(a) is _variables_model(b)
    assert validate_variables(b, {"q": "hi"}, where="t") == {"q": "hi", "tone": "a"}


@pytest.mark.parametrize(("first", "second"), [
    ({"type": "number", "default": 1}, {"type": "number", "default": 1.0}),
    ({"type": "string", "default": "1"}, {"type": "string", "default": "01"}),
    ({"type": "string"}, {"type": "string", "default": None}),
    ({"type": "enum", "values": ["a"]}, {"type": "enum", "values": ["a", "b"]}),
    ({"type": "list", "default": [1]}, {"type": "list", "default": [True]}),
])
def test_declarations_that_differ_never_share(first: dict, second: dict) -> None:
    one, two = specs(x=first), specs(x=second)
    assert _variables_model(one) is not _variables_model(two)
    for declared, raw in ((one, first), (two, second)):
        result = validate_variables(declared, {}, where="t")
        if "default" in raw:
            assert result["x"] == raw["default"] and type(result["x"]) is type(raw["default"])
        else:
            assert "x" not in result


def test_errors_still_name_the_variable_with_a_shared_model() -> None:
    declared = specs(n={"type": "integer"})
    validate_variables(declared, {"n": "3"}, where="t")
    with pytest.raises(VariableError, match="variable 'n' is invalid.*declared type: integer"):
        validate_variables(specs(n={"type": "integer"}), {"n": "three"}, where="t")


def test_a_default_that_is_not_plain_data_is_not_cached() -> None:
    class Thing:
        pass

    declared = {"x": VariableSpec.model_construct(type="object", default=Thing(), _fields_set={"type", "default"})}
    assert _variables_model(declared) is not _variables_model(declared)
