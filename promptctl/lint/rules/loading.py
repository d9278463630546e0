"""LOAD: the version cannot be loaded, parsed or rendered, or its lint settings are wrong."""

from __future__ import annotations

from collections.abc import Iterator

from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule

CATEGORY = "loading"


@rule(
    "LOAD001", "error", "The version file cannot be loaded or its template does not compile",
    rationale="""A version whose front matter is invalid, whose template has a syntax error, or whose template uses a
    filter or test that does not exist (`{{ review | nosuchfilter }}`, which Jinja2 only reports when it compiles)
    cannot be rendered or run at all; every other rule is skipped for it.""",
    fix="Fix the field or the Jinja2 tag named in the message; a published version cannot be edited, so publish a "
    "corrected copy as a new version (promptctl new NAME --from NAME@N).",
    category=CATEGORY,
    pipelines=True,
)
def template_parses(ctx: VersionContext) -> Iterator[Hit]:
    """A template syntax or compile error (front-matter errors are reported by the engine, which cannot load it).

    Compile errors are found on the AST without generating code: every filter and test the template names must
    exist in the sandbox (what Jinja2's compiler checks, ``TemplateAssertionError``).
    """
    error = ctx.parse_error
    if error is not None:
        message, line = error
        yield Hit(f"template syntax error: {message}", line)
        return
    if ctx.ast is None:
        return
    from jinja2 import nodes

    from promptctl.errors import did_you_mean
    from promptctl.templating.environment import environment

    env = environment()
    for node in ctx.ast.find_all((nodes.Filter, nodes.Test)):
        kind, known = ("filter", env.filters) if isinstance(node, nodes.Filter) else ("test", env.tests)
        if node.name not in known:
            close = did_you_mean(node.name, known)
            yield Hit(f"template does not compile: unknown {kind} '{node.name}'" + (f" ({close})" if close else ""),
                      ctx.file_line(node.lineno))


@rule(
    "LOAD004", "error", "The template reaches for Python internals (a sandbox violation)",
    rationale="""Templates run in Jinja2's immutable sandbox: attributes starting with `_` (`__class__`, `__mro__`,
    `__globals__`), Python's internal function and generator attributes, and methods that mutate a value are
    refused. A template that reaches for them is either an attempt to escape the sandbox or a mistake; it fails on
    every render, whatever the values.""",
    fix="Remove the expression. A template may read variables, their keys and public attributes, and call filters; "
    "compute anything else in your code and pass it in as a variable.",
    category=CATEGORY,
    pipelines=True,
)
def sandbox_respected(ctx: VersionContext) -> Iterator[Hit]:
    """Attribute or key names the sandbox refuses, found on the AST, then any refusal while rendering."""
    if ctx.ast is None:
        return
    from jinja2 import nodes

    from promptctl.errors import TemplateSecurityError

    seen: set[int] = set()
    for node in ctx.ast.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(getattr(node, "arg", None), "value", None)
        if isinstance(name, str) and _unsafe(name) and node.lineno not in seen:
            seen.add(node.lineno)
            yield Hit(f"the template reads '{name}', which the sandbox refuses: it can never render",
                      ctx.file_line(node.lineno))
    if not seen and isinstance(ctx.render_exception, TemplateSecurityError) and not _placeholder_called(ctx):
        yield Hit(ctx.render_exception.message, ctx.body_start())


def _placeholder_called(ctx: VersionContext) -> bool:
    """True when the refusal is lint's placeholder of an undeclared name being called (``{{ itme(x) }}``).

    Lint gives a name the template reads but does not declare a text placeholder; calling it is refused by the
    sandbox, but the mistake is the undeclared name (REG004 reports it), not a sandbox violation.
    """
    import re

    from promptctl.lint.context import VALUE_MARKER

    prefix = VALUE_MARKER.format(name="")
    message = ctx.render_exception.message if ctx.render_exception is not None else ""
    called = re.search(rf"'{re.escape(prefix)}(\w+)' is not safely callable", message)
    return called is not None and called.group(1) not in ctx.fm.variables


def _unsafe(name: str) -> bool:
    """True for an attribute name Jinja2's sandbox refuses on every object (``jinja2.sandbox.is_safe_attribute``)."""
    from jinja2 import sandbox

    internal = (sandbox.UNSAFE_FUNCTION_ATTRIBUTES | sandbox.UNSAFE_METHOD_ATTRIBUTES
                | {"gi_frame", "gi_code", "cr_frame", "cr_code", "ag_code", "ag_frame"})
    return name.startswith("_") or name in internal


@rule(
    "LOAD005", "error", "The template calls a variable as a function",
    rationale="""A variable's value is data: a string, a number, a list or a mapping, read from --var, a vars file, a
    dataset or a program's variables. `{{ review() }}` calls it, which fails on every render ("'str' object is not
    callable") whatever the value, so the template can never render. Usually the parentheses are a slip, or a
    macro of another name was meant.""",
    fix="Drop the parentheses ({{ review }}), call a method of the value ({{ review.strip() }}) or a filter "
    "({{ review | trim }}), or call the macro you meant.",
    category=CATEGORY,
    pipelines=True,
)
def variables_not_called(ctx: VersionContext) -> Iterator[Hit]:
    """``{{ name(...) }}`` where ``name`` is a declared variable the template does not define itself."""
    for name, line in _called_variables(ctx):
        yield Hit(f"the template calls variable '{name}' as a function ({name}(...)): a variable holds data, "
                  "so the template can never render", ctx.file_line(line))


def _called_variables(ctx: VersionContext) -> list[tuple[str, int]]:
    """``(name, template line)`` of each call of a declared variable (macros and ``set`` names excepted)."""
    if ctx.ast is None:
        return []
    from jinja2 import nodes

    defined = {m.name for m in ctx.ast.find_all(nodes.Macro)}
    defined |= {t.name for t in ctx.ast.find_all(nodes.Name) if t.ctx in ("store", "param")}
    out: list[tuple[str, int]] = []
    for call in ctx.ast.find_all(nodes.Call):
        callee = call.node
        if isinstance(callee, nodes.Name) and callee.name in ctx.fm.variables and callee.name not in defined:
            out.append((callee.name, call.lineno))
    return out


@rule(
    "LOAD002", "info", "The template cannot be rendered with placeholder values",
    rationale="""Lint renders each version once with placeholder values (defaults, enum values, markers for user
    input). When that fails, the rules that read the rendered prompt (system prompt structure, injection exposure,
    size, provider requests) are skipped for the version, so it is less thoroughly checked.""",
    fix="Give the variable a default in the front matter, or declare its type precisely (a list or object variable "
    "that the template indexes), so that the template renders without real data.",
    category=CATEGORY,
)
def renders(ctx: VersionContext) -> Iterator[Hit]:
    """Rendering with placeholder values failed (not for a sandbox refusal or compile error: LOAD004, LOAD001)."""
    from promptctl.errors import TemplateSecurityError

    if isinstance(ctx.render_exception, TemplateSecurityError) or "template does not compile" in (
        ctx.render_error or ""
    ) or "unknown filter" in (ctx.render_error or "") or "unknown test" in (ctx.render_error or "") or (
        _called_variables(ctx)  # LOAD005 says why
    ):
        return
    if ctx.ast is not None and ctx.render_error is not None:
        import re

        # "REF: line N: why" (the engine's form, N a file line) -> the finding's line N and "why"
        at = re.match(rf"^{re.escape(ctx.version.display)}: line (\d+): (.*)$", ctx.render_error, re.DOTALL)
        line, why = (int(at.group(1)), at.group(2)) if at else (ctx.body_start(), ctx.render_error)
        yield Hit(f"render with placeholder values failed ({why}); render-based rules skipped", line)


@rule(
    "LOAD003", "warning", "The front matter disables an unknown lint rule",
    rationale="""A rule id under lint.disable that no rule has is usually a typo: the rule meant to be disabled still
    runs, and the reason recorded for disabling it documents nothing.""",
    fix="Correct the rule id (promptctl lint --list-rules) or remove the entry.",
    category=CATEGORY,
    pipelines=True,
)
def known_disables(ctx: VersionContext) -> Iterator[Hit]:
    """Rule ids in ``lint.disable`` that do not exist."""
    from promptctl.lint.rules import all_rules

    known = all_rules()
    for rule_id in ctx.fm.lint.disable:
        if rule_id not in known:
            yield Hit(f"lint.disable names unknown rule {rule_id}", ctx.field_line("lint", "disable", rule_id))
