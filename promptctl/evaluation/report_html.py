"""The self-contained HTML report: one file, no server, no network, opened from disk or a CI artifact.

:func:`render_html` turns a report model (:mod:`promptctl.evaluation.report_model`) into one HTML
document with its CSS and JavaScript inline (``promptctl/data/report.css`` and ``report.js``, about
30 KB together) and the model as two JSON blocks: the summary, small, which the page draws at once,
and the cases with their rendered requests, parsed after the first paint. The script builds the page
with DOM calls only (``textContent``, ``createElement``): user data, outputs included, is always text,
never markup, so an output ``<script>alert(1)</script>`` shows as those characters.

The page's Content-Security-Policy allows no network request at all (``default-src 'none'``) and runs
only the report's own script (by its sha256), so even a bug that let markup through could neither
execute it nor load anything.

The case matrix is paged (100 rows a page), sorted and filtered in the browser; a report of 10,000
cases x 2 variants is about 15 MB and paints in well under two seconds in headless Chromium
(``benchmarks/bench_report.py``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

_CSP = ("default-src 'none'; script-src '{script}'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'")


def _asset(name: str) -> str:
    return resources.files("promptctl").joinpath("data", name).read_text(encoding="utf-8")


def _json_block(value: Any) -> str:
    """JSON safe to put inside a ``<script type="application/json">`` element (no ``</script>`` can close it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_TEXT = "\u0000t"
"""The key of an interned string's reference, ``{"\\u0000t": index}`` (no JSON a user writes has it)."""
_MIN_INTERNED = 40
_KEPT = ("id", "tags")


def _compact(cases: list[dict[str, Any]], requests: dict[str, Any]) -> dict[str, Any]:
    r"""The cases block, smaller: requests by position, no null fields in trials, repeated long strings stored once.

    A long string (40+ characters) that occurs twice or more (a shared system prompt, an output both variants
    gave, the same customer message in the variables and in each variant's request) is replaced by
    ``{"\\u0000t": i}`` and kept once in ``texts``; the page puts them back when it needs them.
    """
    order = {sha: i for i, sha in enumerate(requests)}
    slim = []
    for case in cases:
        trials = [[{("request" if k == "request_sha256" else k): (order.get(v) if k == "request_sha256" else v)
                    for k, v in t.items() if v is not None} for t in rows] for rows in case.get("trials", [])]
        slim.append({**case, "trials": trials})
    data: dict[str, Any] = {"cases": slim, "requests": list(requests.values())}
    counts: Counter[str] = Counter()
    clash = False

    def count(item: Any) -> None:
        nonlocal clash
        if isinstance(item, str):
            if len(item) >= _MIN_INTERNED:
                counts[item] += 1
        elif isinstance(item, dict):
            clash = clash or _TEXT in item
            for value in item.values():
                count(value)
        elif isinstance(item, list):
            for value in item:
                count(value)

    count(data)
    if clash:
        return {**data, "texts": []}
    index: dict[str, int] = {}
    for text, n in counts.items():
        if n > 1:
            index[text] = len(index)

    def swap(item: Any) -> Any:
        if isinstance(item, str):
            at = index.get(item)
            return item if at is None else {_TEXT: at}
        if isinstance(item, dict):  # a case's id and tags stay as they are: the matrix shows them unparsed
            return {key: value if key in _KEPT else swap(value) for key, value in item.items()}
        if isinstance(item, list):
            return [swap(value) for value in item]
        return item

    return {**swap(data), "texts": list(index)}


def render_html(model: dict[str, Any]) -> str:
    """The report as one HTML document.

    Args:
        model: A report model (:func:`~promptctl.evaluation.report_model.build_report`, or a snapshot
            check's), already redacted.

    Returns:
        The HTML text (UTF-8 when written).
    """
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    summary = {key: value for key, value in model.items() if key not in ("cases", "requests")}
    cases = _compact(model.get("cases", []), model.get("requests", {}))
    title = html.escape(str(model.get("title") or "promptctl report"))
    kind = {"ab": "A/B comparison", "eval": "evaluation", "snapshot": "snapshot check"}.get(str(model.get("kind")),
                                                                                            "report")
    meta = " · ".join(html.escape(str(part)) for part in (
        kind, model.get("run_id") and f"run {model['run_id']}", model.get("created_at"),
        f"report generated {model.get('generated_at')}") if part)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP.format(script='sha256-' + digest)}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"generator\" content=\"promptctl\">"
        f"<title>{title} · promptctl</title><style>{_asset('report.css')}</style></head>\n<body>"
        f"<header class=\"top\"><h1><span class=\"brand\">promptctl</span>{title}</h1>"
        f"<div class=\"meta\">{meta}</div></header>"
        "<main><section id=\"summary\"></section><section id=\"prompt-diff\"></section>"
        "<section id=\"cases\"></section></main>"
        "<div id=\"overlay\" hidden><div id=\"caseview\" role=\"dialog\" aria-modal=\"true\" "
        "aria-labelledby=\"case-title\"></div></div>\n"
        f"<script type=\"application/json\" id=\"summary-data\">{_json_block(summary)}</script>\n"
        f"<script>{script}</script>\n"
        f"<script type=\"application/json\" id=\"cases-data\">{_json_block(cases)}</script>\n"
        "</body></html>\n"
    )


def write_html(model: dict[str, Any], path: Path) -> Path:
    """Write :func:`render_html` of ``model`` to ``path`` (parent folders created); returns the path.

    Raises:
        OSError: The file cannot be written.
    """
    from promptctl.registry.index import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_html(model))  # a reader (a CI artifact upload) never sees half a report
    return path
