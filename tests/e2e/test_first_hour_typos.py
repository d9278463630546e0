"""Issue 20 item 4, found again in a new-user trial: typos answered in promptctl's words, with a "did you mean".

Every case runs ``promptctl`` in process (:func:`tests.conftest.run_cli`) in one project built once per module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

CLASSIFY = """---
description: Routes a support ticket
provider: openai
model: gpt-4.1-mini
parameters: {temperature: 0, max_tokens: 100}
variables:
  ticket: {type: string, input: true, description: The ticket}
  retries: {type: integer, default: 2, description: How often to retry}
---
{% user %}{% section "ticket" %}{{ ticket }}{% endsection %} ({{ retries }}){% enduser %}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typos")
    (root / "promptctl.toml").write_text('prompts_dir = "prompts"\n')
    for name, body in {"classify": CLASSIFY,
                       "typo": CLASSIFY.replace("{{ ticket }}", "{{ tikcet }}"),
                       "tokens": CLASSIFY.replace("max_tokens: 100", 'max_tokens: "lots"'),
                       "hot": CLASSIFY.replace("temperature: 0", "temperature: hot"),
                       "fmtypo": CLASSIFY.replace("model: gpt-4.1-mini", "model: gpt-4.1-mni")}.items():
        folder = root / "prompts" / name
        folder.mkdir(parents=True)
        (folder / "v1.j2").write_text(body)
    (root / "cases.jsonl").write_text('{"id": "c1", "vars": {"ticket": "charged twice"}, "expected": "billing"}\n')
    return root


def pc(project: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(*args, cwd=project, env={"PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}"})
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def test_a_misspelt_scorer_option_gets_a_did_you_mean_and_is_not_blamed_on_the_dataset(project: Path) -> None:
    code, _, err = pc(project, "eval", "classify@1", "--dataset", "cases.jsonl", "--scorer", "json_feilds",
                      "--provider", "fake")
    assert code == 2
    assert "error: --scorer: unknown scorer 'json_feilds'" in err
    assert "did you mean 'json_fields'?" in err
    assert "cases.jsonl:1" not in err  # the dataset's first case is not what was wrong


def test_a_misspelt_scorer_in_the_dataset_names_its_line(project: Path) -> None:
    (project / "bad.jsonl").write_text('{"id": "c1", "vars": {"ticket": "x"}, "expected": "y", "scorer": "contians"}\n')
    code, _, err = pc(project, "eval", "classify@1", "--dataset", "bad.jsonl", "--provider", "fake")
    assert code == 2
    assert "bad.jsonl:1: case 'c1': unknown scorer 'contians'" in err
    assert "did you mean 'contains'?" in err


def test_a_misspelt_variable_in_the_template_points_at_the_declared_one(project: Path) -> None:
    code, _, err = pc(project, "render", "typo@1", "--var", "ticket=hi")
    assert code == 2
    assert "missing variable 'tikcet'" in err
    assert "did you mean 'ticket'?" in err and "fix the template" in err
    assert "--var tikcet" not in err  # passing the typo as a value is not the fix


def test_a_front_matter_value_of_the_wrong_type_is_said_in_promptctl_s_words(project: Path) -> None:
    code, _, err = pc(project, "render", "tokens@1", "--var", "ticket=hi")
    assert code == 2
    assert "field 'parameters.max_tokens' must be a whole number, not 'lots'" in err
    assert "Input should" not in err


def test_a_temperature_that_is_not_a_number_is_said_to_be_one(project: Path) -> None:
    """trial-24: `temperature: hot` was "field 'parameters.temperature.int' must be a whole number": pydantic's
    union member named as a field, and a float parameter said to need a whole number."""
    code, _, err = pc(project, "render", "hot@1", "--var", "ticket=hi")
    assert code == 2
    assert "v1.j2:5: front matter field 'parameters.temperature' must be a number, not 'hot'" in err


def test_a_variable_value_of_the_wrong_type_is_said_in_promptctl_s_words(project: Path) -> None:
    code, _, err = pc(project, "render", "classify@1", "--var", "ticket=hi", "--var", "retries=many")
    assert code == 2
    assert "variable 'retries' is invalid: must be a whole number (declared type: integer)" in err
    assert "Input should" not in err


def test_an_option_below_its_minimum_is_said_in_promptctl_s_words(project: Path) -> None:
    code, _, err = pc(project, "run", "classify@1", "--var", "ticket=hi", "--samples", "0", "--provider", "fake")
    assert code == 2
    assert "error: Invalid value for '--samples': must be at least 1" in err
    assert "Input should" not in err


def test_an_unknown_help_topic_lists_the_topics_in_one_clean_hint(project: Path) -> None:
    code, _, err = pc(project, "help", "nope")
    assert code == 2
    assert "hint: topics: datasets," in err  # no leading blank when there is no "did you mean"
    code, _, err = pc(project, "help", "dataset")
    assert "hint: did you mean 'datasets'? topics: datasets," in err


def test_an_unknown_filter_without_a_close_match_gets_a_plain_hint(project: Path) -> None:
    (project / "prompts" / "classify" / "v2.j2").write_text(CLASSIFY.replace("{{ ticket }}", "{{ ticket | zzz }}"))
    code, _, err = pc(project, "render", "classify@2", "--var", "ticket=hi")
    assert code == 2
    assert "unknown filter 'zzz'" in err
    assert "hint: Jinja2's built-in filters: promptctl help templates" in err


def test_diff_without_variables_names_every_variable_the_rendered_diff_needs(project: Path) -> None:
    """Rendering stops at the first missing name: the note named one, and the next try failed on the next one."""
    two = CLASSIFY.replace("  retries: {type: integer, default: 2, description: How often to retry}",
                           "  customer: {type: string, description: Who wrote}\n  plan: {type: string}") \
        .replace("({{ retries }})", "{{ customer }} {{ plan }}")
    folder = project / "prompts" / "two"
    folder.mkdir()
    (folder / "v1.j2").write_text(two)
    (folder / "v2.j2").write_text(two.replace("Routes", "Routes and tags"))
    code, out, err = pc(project, "diff", "two@1", "two@2")
    assert code == 0, err
    assert "needs variables (ticket, customer, plan): not compared" in out
    assert "'ticket', 'customer', 'plan' not given" in err


def test_an_abbreviated_field_and_a_misspelt_strategy_value_get_a_did_you_mean(project: Path) -> None:
    folder = project / "prompts" / "abbrev"
    folder.mkdir()
    (folder / "v1.j2").write_text(CLASSIFY.replace("description: The ticket}", "desc: The ticket}"))
    code, _, err = pc(project, "render", "abbrev@1", "--var", "ticket=hi")
    assert code == 2 and "unknown front matter field 'variables.ticket.desc'" in err
    assert "did you mean field 'description'?" in err
    strategy = "strategy: {name: consistency, early_stop: betta}\nvariables:"
    (folder / "v2.j2").write_text(CLASSIFY.replace("parameters: {temperature: 0,", "parameters: {temperature: 0.7,")
                                  .replace("variables:", strategy))
    code, _, err = pc(project, "render", "abbrev@2", "--var", "ticket=hi")
    assert code == 2 and "early_stop must be beta, predictive, window, decided or false, not 'betta'" in err
    assert "hint: did you mean 'beta'?" in err


def test_did_you_mean_takes_an_unambiguous_abbreviation_only() -> None:
    from promptctl.errors import did_you_mean

    assert did_you_mean("desc", ["default", "description", "type"]) == "did you mean 'description'?"
    assert did_you_mean("de", ["default", "description"]) is None  # too short to say
    assert did_you_mean("max", ["max_tokens", "max_concurrency"]) is None  # two names begin so


# -- a --model that is a near miss of a known id (gpt-4.1-mni starts like the gpt-4.1 family) --------------------
NEAR_MISSES = [("gpt-4.1-mni", "gpt-4.1-mini", "openai"), ("claude-sonet-4-6", "claude-sonnet-4-6", "anthropic"),
               # a dotted Claude id: genai-prices prices it, Anthropic's API answers 404 (its ids are dashed)
               ("claude-haiku-4.5", "claude-haiku-4-5", "anthropic")]
COMMANDS = {
    "render": ("render", "classify@1", "--var", "ticket=x"),
    "run": ("run", "classify@1", "--var", "ticket=x"),
    "run --dry-run": ("run", "classify@1", "--var", "ticket=x", "--dry-run"),
    "cost": ("cost", "classify@1", "--var", "ticket=x"),
    "eval": ("eval", "classify@1", "--dataset", "cases.jsonl"),
    "ab": ("ab", "classify@1", "classify@1::temperature=1", "--dataset", "cases.jsonl"),
}


@pytest.mark.parametrize(("typo", "meant", "provider"), NEAR_MISSES)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_near_miss_model_is_refused_with_a_did_you_mean_by_every_command(project: Path, command: str, typo: str,
                                                                           meant: str, provider: str) -> None:
    code, out, err = pc(project, *COMMANDS[command], "--model", typo)
    assert code == 2 and out == "", err
    assert err.startswith(f"error: unknown model '{typo}': not in {provider}'s price table or profiles "
                          f"(did you mean '{meant}'?)\n"), err
    assert f"--model {provider}:{typo}" in err and f'[prices."{provider}:{typo}"]' in err
    assert "provider calls" not in err  # nothing was sent


@pytest.mark.parametrize("named", [("--model", "openai:gpt-4.1-mni"),
                                   ("--provider", "openai", "--model", "gpt-4.1-mni")])
def test_a_near_miss_whose_provider_is_named_is_sent_as_given_with_a_warning(project: Path, named: tuple) -> None:
    code, out, err = pc(project, "render", "classify@1", "--var", "ticket=x", *named)
    assert code == 0 and "-> openai:gpt-4.1-mni" in out
    assert "warning: model 'gpt-4.1-mni' is not in openai's price table or profiles (did you mean 'gpt-4.1-mini'?); " \
           "sending it as given" in err


@pytest.mark.parametrize("model", ["gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "gpt-4.1-mini-2026-01-01",
                                   "claude-3-5-sonnet-latest", "o4-mini", "ft:gpt-4o-mini:acme::x1", "gpt-5.5"])
def test_known_ids_and_their_dated_snapshots_pass_silently(project: Path, model: str) -> None:
    code, _, err = pc(project, "render", "classify@1", "--var", "ticket=x", "--model", model)
    assert code == 0 and "price table" not in err and "did you mean" not in err, err


def test_a_model_the_config_prices_is_not_a_typo(tmp_path: Path) -> None:
    (tmp_path / "promptctl.toml").write_text('prompts_dir = "prompts"\n\n[prices."openai:gpt-4.1-mnx"]\n'
                                             "input_per_mtok = 0.1\noutput_per_mtok = 0.2\n")
    (tmp_path / "prompts" / "classify").mkdir(parents=True)
    (tmp_path / "prompts" / "classify" / "v1.j2").write_text(CLASSIFY)
    code, out, err = pc(tmp_path, "render", "classify@1", "--var", "ticket=x", "--model", "gpt-4.1-mnx")
    assert code == 0 and "-> openai:gpt-4.1-mnx" in out and "warning" not in err, err


def test_a_near_miss_in_the_front_matter_is_linted_and_named_by_cost(project: Path) -> None:
    """The author's own file is not refused at render time (``lint`` reports it, PROV007); ``cost`` names it once."""
    code, out, err = pc(project, "lint", "fmtypo@1")
    assert code == 1 and "warning PROV007 fmtypo@1: model 'gpt-4.1-mni' is not a known openai model: did you mean " \
                         "'gpt-4.1-mini'?" in out
    code, out, err = pc(project, "cost", "fmtypo@1", "--var", "ticket=x")
    assert code == 0 and err.count("did you mean 'gpt-4.1-mini'?") == 1, err


# -- found in the first-hour trial of issue 20 (first-hour helper) -------------------------------------------------
ROUTER = CLASSIFY.replace("  retries:", "  product: {type: enum, values: [hosting, database, storage], "
                          "default: hosting, description: Product}\n  retries:")


def test_an_enum_typo_names_the_value_once_and_suggests_the_close_one(tmp_path: Path) -> None:
    (tmp_path / "promptctl.toml").write_text('prompts_dir = "prompts"\n')
    (tmp_path / "prompts" / "router").mkdir(parents=True)
    (tmp_path / "prompts" / "router" / "v1.j2").write_text(ROUTER)
    code, _, err = pc(tmp_path, "render", "router@1", "--var", "ticket=x", "--var", "product=hostng")
    assert code == 2
    assert err == ("error: router@1 (draft): variable 'product' is invalid: must be 'hosting', 'database' or "
                   "'storage', not 'hostng'\nhint: did you mean 'hosting'?\n")


def test_cost_takes_the_input_like_run_and_names_a_draft_as_run_does(project: Path) -> None:
    code, out, err = pc(project, "cost", "classify@1", "charged twice", "--provider", "fake")
    assert code == 0 and out.startswith("classify@1 (draft) -> fake:fake-model  strategy direct"), out
    assert "tiktoken does not know" not in err  # noise beside the fake provider's $0
    code, out, _ = pc(project, "cost", "classify@1", "--input", "charged twice", "-m", "gpt-4o", "-m", "gpt-4.1")
    assert code == 0 and out.startswith("classify@1 (draft)  strategy direct  (USD estimates, cheapest first)")


def test_a_near_miss_judge_model_is_named_with_its_provider_so_it_warns(project: Path) -> None:
    code, _, err = pc(project, "eval", "classify@1", "--dataset", "cases.jsonl", "--scorer", "judge",
                      "--judge", "openai:gpt-4.1-mni", "--provider", "fake")
    assert "warning: model 'gpt-4.1-mni' is not in openai's price table or profiles (did you mean " \
           "'gpt-4.1-mini'?); sending it as given" in err
    assert code == 3 and "OPENAI_API_KEY" in err  # then the usual credentials check, before anything is sent


def test_a_misspelt_fewshot_option_value_gets_a_did_you_mean() -> None:
    """trial-24: `strategy: {name: fewshot, selection: similr}` named the choices but not the close one."""
    from promptctl.errors import InputError
    from promptctl.executors.fewshot import FewShotOptions

    with pytest.raises(InputError, match=r"selection must be one of static, similar, dynamic, not 'similr'") as info:
        FewShotOptions.from_options({"selection": "similr"}, where="s@1")
    assert info.value.hint == "did you mean 'similar'? (promptctl help strategies)"


def test_a_misspelt_strategy_or_log_prompt_gets_a_did_you_mean(project: Path) -> None:
    """trial-24: `--strategy fewshott` (run and cost) and `log --prompt clasify` named no close match."""
    for command in ("run", "cost"):
        code, _, err = pc(project, command, "classify@1", "--var", "ticket=hi", "--strategy", "fewshott",
                          "--provider", "fake")
        assert code == 2, err
        assert "unknown strategy 'fewshott'" in err and "hint: did you mean 'fewshot'? strategies: direct" in err
    code, _, err = pc(project, "log", "--prompt", "clasify")
    assert code == 0
    assert "no runs of 'clasify' recorded (there is no prompt of that name: did you mean 'classify'?)" in err


def test_an_unclosed_brace_in_the_front_matter_is_named_where_it_opens(tmp_path: Path) -> None:
    """trial-24: `variables: {review: {...}` (one closing brace missing) was reported as 'v1.j2: line 5', the
    closing '---' line, where YAML gave up."""
    from promptctl.errors import FrontMatterError
    from promptctl.registry.frontmatter import parse_version_text

    text = ("---\nprovider: openai\nmodel: gpt-4.1-mini\nvariables: {review: {type: string, input: true}\n"
            "---\nx {{ review }}\n")
    with pytest.raises(FrontMatterError, match=r"^v1\.j2:4: invalid YAML front matter: did not find expected"):
        parse_version_text(text, where="v1.j2")
    with pytest.raises(FrontMatterError, match=r"^v1\.j2:3: invalid YAML front matter: mapping values are not"):
        parse_version_text("---\nprovider: openai\nmodel: a: b\n---\nx\n", where="v1.j2")
