"""Folder imports: subfolders are searched, and same-named files of different folders stay different prompts.

``fixtures/interop/genkit-tree`` holds five real firebase/genkit ``.prompt`` files at their repository paths
(four named ``recipe.prompt``), as a migrating user's checkout has them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from promptctl.interop import distinct_names, found_summary, read_source, walk
from promptctl.registry.registry import Registry

from .conftest import FIXTURES, import_into, run_cli

TREE = FIXTURES / "genkit-tree"
NAMES = ["basic-prompts-recipe", "media", "go-samples-recipe", "prompt-file-recipe", "py-samples-recipe"]


def test_a_folder_is_searched_recursively_in_a_fixed_order():
    prompts = read_source(TREE)
    assert [p.name for p in prompts] == NAMES
    assert {p.original_name for p in prompts if p.name.endswith("recipe")} == {"recipe"}
    summary = found_summary(TREE, prompts)
    assert summary.startswith(f"found 5 files in 4 folders under {TREE}: go/samples/basic-prompts/prompts (1), "
                              "go/samples/prompts/prompts (2), ")
    assert [p.name for p in read_source(TREE, "dotprompt")] == NAMES  # --from dotprompt DIR too


def test_same_named_files_of_different_folders_are_different_prompts_and_say_so(registry: Registry):
    rows = import_into(registry, TREE)
    assert [r.name for r in rows] == NAMES
    assert all(r.created == [f"{r.name}@1"] for r in rows)
    [note] = [f for f in rows[0].findings if "named 'basic-prompts-recipe'" in f.message]
    assert note.kind == "reported" and "3 other files" in note.message and note.where.endswith("recipe.prompt")
    assert "media" not in {f.message.split("'")[1] for r in rows for f in r.findings if "named '" in f.message}


def test_the_same_folder_imported_again_gives_the_same_names_and_the_next_versions(registry: Registry,
                                                                                    tmp_path: Path):
    tree = tmp_path / "genkit"
    shutil.copytree(TREE, tree)
    import_into(registry, tree)
    again = import_into(registry, tree)
    assert [r.name for r in again] == NAMES and all(r.skipped and not r.created for r in again)
    changed = tree / "py" / "samples" / "prompts" / "prompts" / "recipe.prompt"
    changed.write_text(changed.read_text().replace("creative recipes", "quick recipes"))
    rows = {r.name: r for r in import_into(registry, tree)}
    assert rows["py-samples-recipe"].created == ["py-samples-recipe@2"]
    assert registry.version_numbers("go-samples-recipe") == [1]


def test_hidden_installed_and_partial_folders_are_skipped(tmp_path: Path):
    for folder in (".git", "node_modules/pkg", ".venv", "env", "app/partials", "app/prompts", "__pycache__"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "hello.prompt").write_text("Hello {{name}}")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "app" / "prompts" / "_footer.prompt").write_text("Bye")
    (tmp_path / "app" / "package.json").write_text("{}")  # a .json below the top is not read as Langfuse
    (tmp_path / "app" / "notes.md").write_text("# notes")
    [prompt] = read_source(tmp_path)
    assert prompt.name == "hello" and prompt.source_file == str(tmp_path / "app" / "prompts" / "hello.prompt")
    assert [p.relative_to(tmp_path).as_posix() for p in walk(tmp_path)] == [
        "app", "app/notes.md", "app/package.json", "app/prompts", "app/prompts/hello.prompt"]


def test_nothing_in_any_subfolder_is_still_an_error(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "data.json").write_text("{}")
    with pytest.raises(Exception, match="no prompts found .subfolders searched"):
        read_source(tmp_path)


def test_distinct_names_keeps_the_versions_of_one_file_together():
    prompts = read_source(FIXTURES / "langfuse" / "support-reply.json")
    assert [p.name for p in distinct_names(prompts)] == ["support-reply"]


@pytest.fixture
def run(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "prompts").mkdir()
    return lambda *argv: run_cli(monkeypatch, capsys, tmp_path, {}, *argv)


def test_the_command_says_where_it_found_files_and_names_files_given_one_by_one_apart(run, tmp_path: Path):
    code, out, err = run("import", str(TREE))
    assert code == 0, err
    assert f"found 5 files in 4 folders under {TREE}: go/samples/basic-prompts/prompts (1)" in out
    assert "named 'py-samples-recipe', not 'recipe'" in err
    two = [TREE / "go" / "samples" / "prompts" / "prompts" / "recipe.prompt",
           TREE / "py" / "samples" / "prompts" / "prompts" / "recipe.prompt"]
    code, out, err = run("import", *map(str, two))
    assert code == 0, err
    assert "go-samples-recipe" in out and "py-samples-recipe" in out and "found" not in out
    assert sorted(p.name for p in (tmp_path / "prompts").iterdir()) == sorted(NAMES)


def test_files_of_one_folder_sharing_a_name_are_told_apart_by_their_file_names(registry: Registry):
    # real: Azure-Samples/contoso-chat, three .prompty files all named 'Contoso Chat Prompt'
    rows = import_into(registry, FIXTURES / "contoso-tree")
    assert [r.name for r in rows] == ["1-build-chat-0", "1-build-chat-1", "contoso_chat-contoso-chat-prompt"]
    assert {r.original_name for r in rows} == {"Contoso Chat Prompt"}
    assert all(r.created == [f"{r.name}@1"] for r in rows)


def test_a_json_schema_beside_prompty_files_is_skipped_and_said(run, tmp_path: Path):
    """trial-24: microsoft/prompty's tests/prompts (27 .prompty files, three .json beside them: a JSON Schema,
    a connection, an OpenAPI spec) imported nothing: 'schema.json: item 1 is not a Langfuse prompt' (exit 2)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "basic.prompty").write_text("---\nname: Basic\n---\nsystem:\nYou answer.\n\nuser:\n{{question}}\n")
    (src / "schema.json").write_text('{"type": "object", "properties": {"city": {"type": "string"}}}')
    (src / "cases.csv").write_text("question,expected\nhi,hello\n")
    code, out, err = run("import", str(src))
    assert code == 0, err
    assert "basic" in out
    assert f"skipped: {src / 'schema.json'}: not imported: item 1 is not a Langfuse prompt" in err
    assert f"skipped: {src / 'cases.csv'}: not imported: a CSV collection needs a name column" in err
    (src / "basic.prompty").unlink()
    code, _, err = run("import", str(src))
    assert code == 2 and "no prompts found" in err and "hint: skipped " in err
