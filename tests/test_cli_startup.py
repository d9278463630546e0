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


@pytest.fixture
def gc_state() -> Iterator[tuple[int, int, int]]:
    """Python's collector settings for the test, restored afterwards."""
    import gc

    saved, enabled, callbacks = gc.get_threshold(), gc.isenabled(), list(gc.callbacks)
    gc.set_threshold(700, 10, 10)
    gc.enable()
    yield gc.get_threshold()
    gc.set_threshold(*saved)
    gc.callbacks[:] = callbacks
    if not enabled:
        gc.disable()


def test_no_collection_during_start_up_then_the_thresholds_it_had(gc_state: tuple[int, int, int]) -> None:
    import gc

    cli._collect_garbage_after_start_up(objects=50_000)
    assert gc.get_threshold() == (50_000, 10, 10) and gc.isenabled()
    kept = [[i] for i in range(1_000)]  # allocations below the budget: no collection, the budget stays
    assert gc.get_threshold() == (50_000, 10, 10) and kept
    garbage = [[] for _ in range(60_000)]  # past the budget: pydantic-free, plain lists
    del garbage
    assert gc.get_threshold() == gc_state  # the first collection restored Python's thresholds
    assert not any(getattr(c, "__qualname__", "").startswith("_collect_garbage") for c in gc.callbacks)


def test_thresholds_a_program_sets_after_importing_the_cli_are_kept(gc_state: tuple[int, int, int]) -> None:
    """A program (a test suite driving the CLI in-process) that tunes its collector keeps its own thresholds."""
    import gc

    cli._collect_garbage_after_start_up(objects=50_000)
    gc.set_threshold(5_000, 20, 20)
    garbage = [[] for _ in range(60_000)]
    del garbage
    assert gc.get_threshold() == (5_000, 20, 20)
    assert not any(getattr(c, "__qualname__", "").startswith("_collect_garbage") for c in gc.callbacks)


def test_a_collector_someone_set_is_left_alone(gc_state: tuple[int, int, int]) -> None:
    import gc

    gc.disable()
    cli._collect_garbage_after_start_up()
    assert gc.get_threshold() == gc_state and not gc.isenabled()
    gc.enable()
    gc.set_threshold(500_000)
    callbacks = list(gc.callbacks)
    cli._collect_garbage_after_start_up()
    assert gc.get_threshold()[0] == 500_000 and gc.callbacks == callbacks
