"""The response cache is keyed by the server a call goes to, and ab refuses a run too large to plan.

Found in a new-user trial: a rerun of the same `ab` against a second OpenAI-compatible server (another
`OPENAI_BASE_URL`) was answered whole from the first server's cache and gave the first server's verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

from promptctl.providers import endpoint_of
from promptctl.testing import LoopbackLLMServer
from promptctl.types import ProviderRequest
from tests.conftest import run_cli

from .test_provider_faults_cli import QA, qa  # noqa: F401 - the fixture

__all__ = ["qa"]


def _env(server: LoopbackLLMServer, project: Path) -> dict[str, str]:
    return {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}"}


def test_two_servers_never_answer_from_each_others_cache(qa: Path) -> None:  # noqa: F811
    with LoopbackLLMServer(replies=["yes"]) as first:
        done = run_cli("run", "qa@1", "--var", "question=Is it?", "--cache", cwd=qa, env=_env(first, qa))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "yes"
        again = run_cli("run", "qa@1", "--var", "question=Is it?", "--cache", cwd=qa, env=_env(first, qa))
        assert again.stdout.strip() == "yes" and len(first.requests) == 1  # same server: a cache hit
    with LoopbackLLMServer(replies=["no"]) as second:
        other = run_cli("run", "qa@1", "--var", "question=Is it?", "--cache", cwd=qa, env=_env(second, qa))
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == "no"  # not the first server's cached "yes"
        assert len(second.requests) == 1


def test_an_ab_rerun_against_another_server_asks_that_server(qa: Path) -> None:  # noqa: F811
    args = ("ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--json")
    with LoopbackLLMServer(replies=["yes"]) as good:
        first = run_cli(*args, cwd=qa, env=_env(good, qa))
        assert first.returncode == 0, first.stderr
        rerun = run_cli(*args, cwd=qa, env=_env(good, qa))
        assert len(good.requests) == 16  # 2 variants x 8 cases, the rerun answered from the cache
        assert rerun.returncode == 0
    with LoopbackLLMServer(replies=["no"]) as bad:
        other = run_cli(*args, cwd=qa, env=_env(bad, qa))
        assert len(bad.requests) == 16
        result = json.loads(other.stdout)
        rates = [v["pass_rate"] if "pass_rate" in v else v.get("mean") for v in result["variants"]]
        assert rates == [0.0, 0.0], result["variants"]


def test_the_endpoint_key() -> None:
    request = ProviderRequest("openai", "gpt-4o-mini", kwargs={}, body={"messages": []})
    assert request.at("") is request  # the provider's own API: keys made before this stay valid
    assert request.at("http://127.0.0.1:1/v1").fingerprint() != request.at("http://127.0.0.1:2/v1").fingerprint()
    assert request.at("http://127.0.0.1:1/v1").body == request.body  # nothing sent changes
    assert endpoint_of("openai", {"base_url": "https://api.openai.com/v1"}) == ""
    assert endpoint_of("openai", {"base_url": "http://localhost:11434/v1/"}) == "http://localhost:11434/v1"
    assert endpoint_of("fake", {"base_url": "http://x"}) == ""


def test_a_run_too_large_to_plan_is_one_error_line(qa: Path) -> None:  # noqa: F811
    done = run_cli("ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--provider", "fake", "--trials", "1000000",
                   cwd=qa)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "error: 8 cases x 2 variants x 1000000 trials is 16,000,000 calls" in done.stderr
    assert "hint:" in done.stderr


def test_a_bad_option_value_is_one_error_line(qa: Path) -> None:  # noqa: F811
    for args, where in ((("ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--trials", "0"), "promptctl ab"),
                        (("log", "-n", "abc"), "promptctl log"), (("ab", "--trails", "2"), "promptctl ab"),
                        (("nosuchcommand",), "promptctl"),
                        # an option without its value: click gives no context; the hint named 'promptctl --help'
                        (("run", "qa@1", "--model"), "promptctl run"), (("log", "-n"), "promptctl log")):
        done = run_cli(*args, cwd=qa)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "Usage:" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 2 and lines[0].startswith("error: "), done.stderr
        assert lines[1] == f"hint: see '{where} --help'", done.stderr
