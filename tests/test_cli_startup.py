"""What the command line does to start fast changes nothing a command or a library sees."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator

import pytest

from promptctl import cli

LOADER = "pydantic.plugin._loader"


@pytest.fixture
def no_loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's modules without pydantic's plugin loader (restored afterwards)."""
    real = importlib.import_module(LOADER)
    monkeypatch.delitem(sys.modules, LOADER)
    yield
    sys.modules[LOADER] = real


def test_the_plugin_loader_stand_in_answers_like_pydantics_own(no_loader: None, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    cli._defer_pydantic_plugin_loader()
    stand_in = sys.modules[LOADER]
    for disabled in ("__all__", "1", "true"):
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", disabled)
        assert tuple(stand_in.get_plugins()) == ()
        assert sys.modules[LOADER] is stand_in  # nothing looked up, nothing imported
    from pydantic.plugin._schema_validator import create_schema_validator  # what pydantic calls per model
    assert create_schema_validator is not None
    from pydantic import BaseModel

    class Model(BaseModel):  # building a model with the stand-in in place
        x: int

    assert Model.model_validate({"x": "3"}).x == 3 and sys.modules[LOADER] is stand_in
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "some-plugin")  # plugins wanted: the real loader answers
    plugins = stand_in.get_plugins()
    real = sys.modules[LOADER]
    assert real is not stand_in and real.__file__.endswith("_loader.py")
    assert list(plugins) == list(real.get_plugins())
    assert stand_in.PYDANTIC_ENTRY_POINT_GROUP == real.PYDANTIC_ENTRY_POINT_GROUP == "pydantic"


def test_other_attributes_load_the_real_loader(no_loader: None) -> None:
    cli._defer_pydantic_plugin_loader()
    stand_in = sys.modules[LOADER]
    with pytest.raises(AttributeError):
        stand_in.__path__  # noqa: B018 - the import system asks this of every module it imports from
    assert sys.modules[LOADER] is stand_in
    assert stand_in._loading_plugins is False
    assert sys.modules[LOADER] is not stand_in


def test_a_loaded_loader_is_left_alone() -> None:
    real = importlib.import_module(LOADER)
    cli._defer_pydantic_plugin_loader()
    assert sys.modules[LOADER] is real
