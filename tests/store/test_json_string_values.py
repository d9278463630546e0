"""A JSON column holding a plain string (a structured output of a string schema) reads back on both read paths."""

from __future__ import annotations

from pathlib import Path

from promptctl.store.fastread import open_reader
from promptctl.store.runs import RunStore


def test_a_string_that_is_not_a_json_text_reads_back_as_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    store = RunStore(url)
    plain = store.start_run(ref="capital@1", prompt_name="capital", prompt_version=1, prompt_sha256="0" * 64,
                             provider="fake", model="m")
    store.finish_run(plain, output='"Paris"', parsed="Paris", status="ok")
    nested = store.start_run(ref="capital@1", prompt_name="capital", prompt_version=1, prompt_sha256="0" * 64,
                             provider="fake", model="m")
    store.finish_run(nested, output="{}", parsed='{"city": "Paris"}', status="ok")  # a JSON text: decoded again
    store.close()
    store, reader = RunStore(url), open_reader(url)
    assert reader is not None
    try:
        for source in (store, reader):
            assert source.get(plain)["parsed"] == "Paris"
            assert source.get(nested)["parsed"] == {"city": "Paris"}
            assert sorted(map(str, (r["parsed"] for r in source.recent(5)))) == ["Paris", "{'city': 'Paris'}"]
    finally:
        store.close()
        reader.close()
