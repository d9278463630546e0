"""``promptctl snapshot check`` over 50 prompts x 10 cases x 3 providers: target under 5 s, no network.

Generates a project in a temporary folder (50 published prompts with system and user sections and
four variables, a suite of 10 cases each rendered for anthropic, openai and watsonx with three checks,
golden files recorded with the fake provider), then times the whole command as a user runs it: a new
``python`` process running ``promptctl snapshot check`` (interpreter start-up included), with every
socket connection and name lookup refused, so any network access would fail the run.

Run: python benchmarks/bench_snapshots.py [--prompts 50] [--cases 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

TEMPLATE = textwrap.dedent(
    """\
    ---
    description: "Benchmark prompt {n}: answers a customer of product {n} in a fixed JSON shape"
    provider: openai
    model: gpt-4.1-mini
    models: {{anthropic: claude-haiku-4-5, watsonx: ibm/granite-3-8b-instruct}}
    parameters: {{temperature: 0, max_tokens: 300}}
    variables:
      customer: {{type: string, input: true, description: The customer's name}}
      plan: {{type: enum, values: [free, pro, enterprise], default: free}}
      question: {{type: string, input: true, description: "The customer's message, verbatim"}}
      topics: {{type: list, default: [billing, outages, accounts]}}
    output:
      format: json
      schema:
        type: object
        required: [answer, escalate]
        properties:
          answer: {{type: string}}
          escalate: {{type: boolean}}
    ---
    {{% system %}}
    {{% section "role" %}}
    You are the support assistant of product {n}. You answer customers precisely and never invent facts.
    {{% endsection %}}
    {{% section "instructions" %}}
    Read the customer section and the question. Answer in at most three sentences.
    {{% for topic in topics %}}
    - For {{{{ topic }}}} questions, follow the {{{{ topic }}}} policy of product {n} literally.
    {{% endfor %}}
    {{% if plan == "enterprise" %}}Enterprise customers get a named engineer; say so when you escalate.{{% endif %}}
    {{% endsection %}}
    {{% section "output format" %}}
    Reply with one JSON object: {{"answer": "<text>", "escalate": <true|false>}}.
    {{% endsection %}}
    {{% endsystem %}}
    {{% user %}}
    {{% section "customer" %}}Name: {{{{ customer }}}}
    Plan: {{{{ plan }}}}{{% endsection %}}
    {{% section "question" %}}{{{{ question }}}}{{% endsection %}}
    {{% enduser %}}
    """
)


def build(root: Path, prompts: int, cases: int) -> None:
    """Write the project and record every case with the fake provider (no network)."""
    from promptctl.config import load_config
    from promptctl.evaluation.snapshots import SnapshotProject, record
    from promptctl.registry.registry import Registry

    for n in range(prompts):
        name = f"bench-{n:02d}"
        folder = root / "prompts" / name
        folder.mkdir(parents=True)
        (folder / "prompt.yaml").write_text(f"description: benchmark prompt {n}\n")
        (folder / "v1.j2").write_text(TEMPLATE.format(n=n))
        lines = ["providers: [anthropic, openai, watsonx]", "record_with: {provider: fake}", "cases:"]
        for c in range(cases):
            plan = ("free", "pro", "enterprise")[c % 3]
            lines += [
                f"  - id: case-{c:02d}",
                f"    variables: {{customer: Customer {c}, plan: {plan}, question: 'Question {c} about invoice "
                f"#{n}{c:03d}: why was I charged twice this month?'}}",
                f"    record_with: {{reply: '{{\"answer\": \"Invoice #{n}{c:03d} shows a duplicate charge; "
                f"a specialist will review it.\", \"escalate\": true}}'}}",
                "    checks:",
                "      - json_schema",
                f"      - {{scorer: contains, field: answer, expected: ['#{n}{c:03d}']}}",
                "      - {scorer: exact, field: escalate, expected: true}",
            ]
        (folder / "snapshots.yaml").write_text("\n".join(lines) + "\n")
        Registry(root / "prompts").publish(name, 1, message="benchmark")
    record(SnapshotProject(load_config(root)))


GUARDED_CHECK = (
    "import socket, sys\n"
    "def refuse(*a, **k):\n"
    "    raise SystemExit('network access attempted')\n"
    "socket.socket.connect = socket.socket.connect_ex = refuse\n"
    "socket.create_connection = socket.getaddrinfo = refuse\n"
    "from promptctl.cli import main\n"
    "main(['snapshot', 'check', '--quiet'])\n"
)


def main() -> None:
    """Build the project, time ``snapshot check`` ``--repeat`` times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=5.0, help="seconds; exit 1 when the median is above")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "WATSONX_", "PROMPTCTL_"))}
    with tempfile.TemporaryDirectory(prefix="promptctl-bench-") as tmp:
        root = Path(tmp)
        env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{root / 'runs.db'}"
        os.environ["PROMPTCTL_DATABASE_URL"] = env["PROMPTCTL_DATABASE_URL"]
        start = time.perf_counter()
        build(root, args.prompts, args.cases)
        print(f"built {args.prompts} prompts x {args.cases} cases x 3 providers "
              f"({args.prompts * args.cases} golden files) in {time.perf_counter() - start:.1f} s")
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", GUARDED_CHECK], cwd=root, env=env, capture_output=True,
                                  text=True, timeout=120)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
                raise SystemExit(f"snapshot check failed with exit {done.returncode}")
        summary = done.stdout.strip().splitlines()[-1]
        median = statistics.median(times)
        print(summary)
        print(f"promptctl snapshot check, {args.prompts * args.cases * 3} requests + "
              f"{args.prompts * args.cases} replayed outputs, no network: median {median:.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)}; limit {args.limit:.1f} s)")
        if median > args.limit:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
