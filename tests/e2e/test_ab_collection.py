"""``ab``/``eval`` pause the cyclic garbage collector while they import and plan, and resume it for the calls."""

from __future__ import annotations

import gc

import pytest

from promptctl.cli.ab import COLLECT_BEFORE_FREEZE, _Collection


@pytest.fixture(autouse=True)
def _restore_collector():
    was = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if was else gc.disable)()


def test_paused_while_planning_frozen_and_resumed_for_the_calls_and_on_after_an_error() -> None:
    gc.enable()
    with _Collection() as collection:
        assert not gc.isenabled()
        collection.resume()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        collection.resume()  # once only
        assert gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), _Collection():  # bad input raised while planning: the collector is back on
        assert not gc.isenabled()
        raise ValueError("bad dataset")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    frozen = gc.get_freeze_count()
    with _Collection() as collection:
        collection.resume()
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    assert not gc.isenabled()


def test_a_large_comparison_collects_the_planning_garbage_before_freezing_it() -> None:
    gc.enable()

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    for jobs, collected in ((10, False), (COLLECT_BEFORE_FREEZE + 1, True)):
        with _Collection() as collection:
            Cycle()  # garbage made while planning (the collector is paused)
            collections = gc.get_stats()[2]["collections"]
            collection.resume(jobs)
            assert (gc.get_stats()[2]["collections"] > collections) is collected
        gc.unfreeze()
