"""Rendering is bounded in size, loop iterations and time, inside the sandbox (issue 12, item 4)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from promptctl import limits
from promptctl.errors import TemplateError
from promptctl.lint.fastrender import Unsupported, fast_render
from promptctl.templating.environment import environment, render_prompt


@pytest.fixture(autouse=True)
def small_limits() -> Iterator[None]:
    """A 1 MiB output limit and a 2 s time limit keep the abuse cases fast."""
    previous = limits.configure(render_output_chars=1024 * 1024, render_time_s=2.0)
    yield
    limits.configure(previous)


def render(source: str, **variables: object) -> str:
    return str(render_prompt(source, variables, where="t@1").messages[0].parts)


ABUSE = {
    "repeat": "{{ 'a' * 10**8 }}",
    "repeat reversed": "{{ 10**8 * 'a' }}",
    "list repeat": "{{ [1] * 10**8 }}",
    "center filter": "{{ 'x'|center(10**9) }}",
    "center method": "{{ 'x'.center(10**9) }}",
    "ljust method": "{{ 'x'.ljust(10**9) }}",
    "indent filter": "{{ ('a\\n' * 1000)|indent(10**6) }}",
    "replace filter": "{{ ('a' * 1000)|replace('a', 'b' * 10**5) }}",
    "replace method": "{{ ('a' * 1000).replace('a', 'b' * 10**5) }}",
    "join filter": "{{ (['x'] * 10**5)|join('y' * 100) }}",
    "join method": "{{ ('y' * 100).join(['x'] * 10**5) }}",
    "percent width": "{{ '%0999999999d' % 1 }}",
    "percent star": "{{ '%*d' % (999999999, 1) }}",
    "format width": "{{ '{:>999999999}'.format(1) }}",
    "format filter": "{{ '%999999999s'|format('x') }}",
    "power": "{{ 9**(9**9) }}",
    "concat doubling": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}{{ ns.s|length }}",
    "plus doubling": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}"
                     "{% endfor %}{{ ns.s|length }}",
    "printed list": "{{ ['y' * 1000] * 10000 }}",
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "nested loops in a message": "{% user %}{% for i in range(100000) %}{% for j in range(100000) %}"
                                 "{% endfor %}{% endfor %}{% enduser %}",
    "loop output": "{% for i in range(100000) %}{{ 'z' * 100 }}{% endfor %}",
    "lipsum paragraphs": "{{ lipsum(10**6) }}",
    "lipsum words": "{{ lipsum(1, max=10**9) }}",
}


@pytest.mark.parametrize("source", ABUSE.values(), ids=list(ABUSE))
def test_abuse_is_one_template_error_within_the_time_limit(source: str) -> None:
    start = time.monotonic()
    with pytest.raises(TemplateError) as info:
        render(source)
    assert time.monotonic() - start < limits.current().render_time_s + 1
    assert info.value.message.startswith("t@1")  # with ": line N" when the limit is hit in template code
    assert "limit" in info.value.message or "allowed" in info.value.message or "iterations" in info.value.message
    assert info.value.exit_code == 2


def test_the_time_limit_stops_a_template_without_loops() -> None:
    limits.configure(render_time_s=0.3)
    source = "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}"
    start = time.monotonic()
    with pytest.raises(TemplateError, match="longer than the 0.3 s render time limit") as info:
        render(source)
    assert time.monotonic() - start < 2
    assert "render_time_s" in (info.value.hint or "")


def test_the_output_limit_names_itself_and_the_setting() -> None:
    with pytest.raises(TemplateError, match="larger than the 1 MiB render output limit") as info:
        render("{{ 'a' * (2 * 1024 * 1024) }}")
    assert "render_output_mb" in (info.value.hint or "")


def test_a_large_variable_value_is_refused_when_printed() -> None:
    with pytest.raises(TemplateError, match="render output limit"):
        render("{{ text }}{{ text }}", text="b" * (600 * 1024))


def test_a_value_past_the_limit_gets_a_hint_about_the_value_not_the_template() -> None:
    """trial-21: a 30 MB transcript given with --var notes=@FILE was told to 'pass large values in as variables'."""
    with pytest.raises(TemplateError, match="a printed value would be larger than the 1 MiB") as info:
        render("Summarise:\n{{ notes }}", notes="b" * (1024 * 1024 + 1))
    assert (info.value.hint or "").startswith("a value the template prints (a variable given with --var")
    assert "pass a shorter text" in (info.value.hint or "") and "render_output_mb" in (info.value.hint or "")
    with pytest.raises(TemplateError) as built:
        render("{{ 'a' * (2 * 1024 * 1024) }}")
    assert (built.value.hint or "").startswith("build less text in the template")


def test_ordinary_templates_render_as_before() -> None:
    source = (
        "{% system %}{% section 'role' %}You are {{ who|title }}.{% endsection %}{% endsystem %}"
        "{% user %}{% for item in items %}{{ loop.index }}. {{ item|center(9) }} {{ '%05.1f' % price }}\n"
        "{% endfor %}{{ ', '.join(items) }} {{ items|join(' | ') }} {{ 'ab' * 3 }} {{ 2 ** 10 }} "
        "{{ '{:>6}'.format(7) }} {{ 'a-b'.replace('-', '+') }}{% enduser %}"
    )
    prompt = render_prompt(source, {"who": "a helper", "items": ["x", "y"], "price": 3.14159}, where="t@1")
    user = prompt.messages[1].parts[0]
    assert "1.     x     003.1" in user and "x, y x | y ababab 1024      7 a+b" in user


def test_the_lint_fast_renderer_is_bounded_too() -> None:
    env = environment()
    for source in (ABUSE["repeat"], ABUSE["center method"], ABUSE["nested loops"], ABUSE["power"]):
        with pytest.raises(Unsupported):
            fast_render(env.parse(source), {}, env)
