"""Registry speed on 1,000 prompts x 20 versions (issue targets: resolve < 50 ms, list < 1 s, verify < 10 s).

    python benchmarks/bench_registry.py [PROMPTS] [VERSIONS]

Generates the registry in a temporary folder, then times, as the CLI does them:
resolving one reference (``Registry.get``: reads one index and one version file), listing every
prompt (``promptctl list --json`` in-process) and verifying every published version
(``promptctl verify``'s library call). Prints each figure beside its target.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry_fixture import generate  # noqa: E402

from promptctl.registry.lifecycle import verify  # noqa: E402
from promptctl.registry.registry import Registry  # noqa: E402


def main() -> None:
    prompts = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    versions = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        folder = generate(Path(tmp), prompts, versions)
        print(f"generated {prompts} prompts x {versions} versions in {time.perf_counter() - start:.1f} s")
        registry = Registry(folder)

        refs = [f"prompt-{p:04d}@production" for p in range(0, prompts, max(prompts // 50, 1))]
        times = []
        for ref in refs:
            start = time.perf_counter()
            registry.get(ref)
            times.append(time.perf_counter() - start)
        resolve_ms = statistics.median(times) * 1000
        print(f"resolve one reference: median {resolve_ms:.2f} ms, max {max(times) * 1000:.2f} ms "
              f"over {len(refs)} refs (target < 50 ms)")

        start = time.perf_counter()
        rows = [(name, registry.index(name), registry.version_numbers(name)) for name in registry.names()]
        list_s = time.perf_counter() - start
        print(f"list {len(rows)} prompts: {list_s:.3f} s (target < 1 s)")

        start = time.perf_counter()
        problems = verify(registry)
        verify_s = time.perf_counter() - start
        print(f"verify {prompts * versions} versions: {verify_s:.2f} s, {len(problems)} problems (target < 10 s)")
        ok = resolve_ms < 50 and list_s < 1 and verify_s < 10 and not problems
        print("all targets met" if ok else "TARGET MISSED")


if __name__ == "__main__":
    main()
