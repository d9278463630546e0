"""The fast renderer gives exactly the prompt the real engine renders, or declines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from promptctl.lint import LintSettings
from promptctl.lint.context import VersionContext
from promptctl.lint.fastrender import Unsupported, fast_render
from promptctl.registry.frontmatter import split_front_matter
from promptctl.registry.registry import Registry
from promptctl.templating import render_prompt
from promptctl.templating.environment import environment
from promptctl.templating.variables import load_mapping
from tests.lint.conftest import GOOD
from tests.lint.test_fewshot import FEWSHOT

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = Registry(ROOT / "prompts")
VERSIONS = [(n, v) for n in REGISTRY.names() for v in REGISTRY.version_numbers(n)]


def same(source: str, values: dict[str, Any]) -> bool:
    """True when the fast renderer rendered ``source``; it must then equal the real engine's prompt."""
    env = environment()
    try:
        fast = fast_render(env.parse(source), values, env)
    except Unsupported:
        return False
    assert fast == render_prompt(source, values, where="t")
    return True


@pytest.mark.parametrize(("name", "number"), VERSIONS, ids=[f"{n}@{v}" for n, v in VERSIONS])
def test_example_prompts_with_placeholders_and_samples(name: str, number: int) -> None:
    version = REGISTRY.load(name, number)
    context = VersionContext(version, LintSettings())
    if version.body.strip():  # a chain's body is empty
        assert same(version.body, context.placeholder_values), "the fast renderer declined an example prompt"
    sample = ROOT / "fixtures" / name / "sample.yaml"
    if sample.exists():
        values = dict(context.placeholder_values)
        values.update(load_mapping(sample.read_text(encoding="utf-8"), str(sample)))
        same(version.body, values)


def test_benchmark_and_test_templates() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_lint

    for kind in range(5):
        text = bench_lint.version_text(kind, 3)
        body = split_front_matter(text)[1]
        values = {"customer_message": "hi", "customer_name": "", "plan": "pro", "subject": "s", "body": "b",
                  "text": "t", "problem": "p", "facts": "f", "audience": "execs"}
        assert same(body, values)
    assert same(split_front_matter(GOOD)[1], {"question": "q", "plan": "free"})
    assert same(split_front_matter(FEWSHOT)[1], {"review": "r"})


CASES = [
    ("Hello {{ name | upper }}!", {"name": "ada"}),
    ("{% for x in items %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}", {"items": [1, 2]}),
    ("{% for x in items %}{{ x }}{% else %}none{% endfor %}", {"items": []}),
    ("{% set a = 2 %}{{ a * 3 }} {{ a ~ 'b' }} {{ 7 // a }} {{ -a }}", {}),
    ("{{ d.k }} {{ d['k'] }} {{ l[0] }} {{ {'a': 1}['a'] }} {{ [1, 2] | join('-') }}", {"d": {"k": "v"}, "l": [9]}),
    ("{{ x if x is string else x | tojson }} {{ y | default('z') }} {{ 3 in [1, 3] and 2 not in [1] }}",
     {"x": {"a": 1}, "y": ""}),
    ("{{ code.rstrip() }}|{{ '%s-%s' | format(1, 2) }}|{{ '{}'.format(5) }}", {"code": "x  \n"}),
    ('{% system %}{% section "role" %}R{% section "inner" %}I{% endsection %}T{% endsection %}{% endsystem %}'
     '{% user %}U{% enduser %}', {}),
    ('{% system %}\n{% section "role" %}\n  R\n\n{% endsection %}\n{% endsystem %}\n'
     '{% user %}\n  text\n\n{% enduser %}', {}),
    ('{% user %}{% section name %}x{% endsection %}{% enduser %}', {"name": "Output format"}),
    ('a {% section "s" %}b{% endsection %} c', {}),
    ("{% if a %}A{% elif b %}B{% else %}C{% endif %}", {"a": False, "b": True}),
    ("{% for k, v in d.items() %}{{ k }}{% endfor %}", {"d": {"a": 1}}),
    ("{{ range(3) | list }} {{ lipsum is defined }}", {}),
]


@pytest.mark.parametrize(("source", "values"), CASES)
def test_constructs(source: str, values: dict[str, Any]) -> None:
    assert same(source, values), "the fast renderer declined a construct it supports"


@pytest.mark.parametrize(
    ("source", "values"),
    [
        ('{% system %}{% user %}x{% enduser %}{% endsystem %}', {}),
        ("outside {% system %}s{% endsystem %}", {}),
        ("{{ missing }}", {}),
        ("{{ x.__class__ }}", {"x": 1}),
        ("{{ [1] | map('string') | list }}", {}),
        ("{{ 1 / 0 }}", {}),
    ],
)
def test_declines_what_it_cannot_render_exactly(source: str, values: dict[str, Any]) -> None:
    env = environment()
    with pytest.raises(Unsupported):
        fast_render(env.parse(source), values, env)


@pytest.mark.parametrize("source", [
    "{% system %}Rules.{% cache %}{% endsystem %}{% messages history %}{% cache ttl='1h' %}{% user %}q{% enduser %}",
    "Stable.\n{% cache %}\n{{ x }}",
    "{% user %}{% section 'a' %}A{% cache %}B{% endsection %}{% enduser %}",
])
def test_conversation_tags_render_the_same(source: str) -> None:
    history = [{"role": "user", "content": "{{ 7*7 }}"}, {"role": "assistant", "content": "ok"}]
    assert same(source, {"history": history, "x": "X"})


def test_an_invalid_history_is_left_to_the_real_engine() -> None:
    env = environment()
    with pytest.raises(Unsupported):
        fast_render(env.parse("{% messages h %}"), {"h": [{"role": "robot", "content": "x"}]}, env)
