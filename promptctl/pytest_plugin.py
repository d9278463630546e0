"""pytest plugin: promptctl snapshot cases as test items.

Registered through the ``pytest11`` entry point ``promptctl``, so installing promptctl makes it
available in every pytest run of that environment, but it collects nothing unless asked (opt-in):

- ``pytest --promptctl``, or ``promptctl_snapshots = true`` in the pytest ini options
  (``[tool.pytest.ini_options]`` of ``pyproject.toml``, ``pytest.ini``...), turns collection on;
- only files named ``snapshots.yaml`` that sit at ``<prompts_dir>/<name>/snapshots.yaml`` of a promptctl
  project (the project found from the file's own folder, as the CLI finds it) are collected, and only
  when pytest walks them: add the prompts folder to ``testpaths`` (``testpaths = ["tests", "prompts"]``)
  or pass it on the command line (``pytest --promptctl prompts/``).

Every case gives one item per provider, with the id ``prompt@version::case::provider`` below the suite
file (``prompts/ticket-triage/snapshots.yaml::ticket-triage@1::node22-build::openai``); the item fails
with the same diff as ``promptctl snapshot check``. The checks of the recorded output belong to the
item of the provider that recorded it (``::fake`` for scripted fake replies). Works with ``-k``
(``-k "node22-build and openai"``), pytest-xdist (``-n 4``; collection is deterministic, and updates of
one golden file are serialised by a file lock) and ``--junitxml``.

``pytest --promptctl-update`` rewrites the golden files of the selected items (re-rendered requests,
re-run checks; recorded outputs kept; re-recording is ``promptctl snapshot update --rerecord``) and
lists what it rewrote in the terminal summary. ``-p no:promptctl`` disables the plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from promptctl.evaluation.snapshots import CaseResult, SnapshotProject, Target
    from promptctl.evaluation.snapshots.suite import Case

SUITE_FILE = "snapshots.yaml"
_PROJECTS = pytest.StashKey[dict[Path, Any]]()
_RESULTS = pytest.StashKey[dict[tuple[Path, str, str], Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--promptctl``, ``--promptctl-update`` and the ``promptctl_snapshots`` ini option."""
    group = parser.getgroup("promptctl", "promptctl snapshot tests")
    group.addoption("--promptctl", action="store_true", default=False, dest="promptctl",
                    help="collect promptctl snapshot suites (<prompts>/<name>/snapshots.yaml) as tests")
    group.addoption("--promptctl-update", action="store_true", default=False, dest="promptctl_update",
                    help="rewrite the golden files of the selected snapshot items (implies --promptctl)")
    parser.addini("promptctl_snapshots", type="bool", default=False,
                  help="collect promptctl snapshot suites as tests (like --promptctl)")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("promptctl") or config.getoption("promptctl_update")
                or config.getini("promptctl_snapshots"))


def pytest_configure(config: pytest.Config) -> None:
    """Set up the per-session caches (and the update summary under ``--promptctl-update``)."""
    config.stash[_PROJECTS] = {}
    config.stash[_RESULTS] = {}
    if config.getoption("promptctl_update", default=False):
        config.pluginmanager.register(_UpdateSummary(), "promptctl-update-summary")


def _project(config: pytest.Config, suite_file: Path) -> SnapshotProject | None:
    """The promptctl project whose prompts folder holds ``suite_file``, or None (then it is not collected)."""
    from promptctl.config import find_root, load_config

    root, _, _ = find_root(suite_file.parent)
    projects = config.stash[_PROJECTS]
    if root not in projects:
        from promptctl.evaluation.snapshots import SnapshotProject

        projects[root] = SnapshotProject(load_config(suite_file.parent))
    project: SnapshotProject = projects[root]
    prompts_dir = project.config.prompts_dir.resolve()
    if suite_file.resolve().parent.parent != prompts_dir:
        return None
    return project


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``<prompts>/<name>/snapshots.yaml`` of a promptctl project when collection is enabled."""
    if file_path.name != SUITE_FILE or not _enabled(parent.config):
        return None
    project = _project(parent.config, file_path)
    if project is None:
        return None
    return SuiteFile.from_parent(parent, path=file_path)


class SnapshotError(Exception):
    """A snapshot item failed; the message is the readable report (reasons, messages, diffs)."""


class SuiteFile(pytest.File):
    """A suite file: one child per prompt version it is checked against."""

    def collect(self) -> Iterator[pytest.Collector]:
        """Yield the ``name@version`` collector of the suite."""
        from promptctl.errors import PromptctlError
        from promptctl.evaluation.snapshots import Target

        project = _project(self.config, self.path)
        assert project is not None
        try:
            suite = project.suite(self.path.parent.name)
            target = Target(suite, suite.ref or suite.name)
            pin = project.pin(target.ref)
        except PromptctlError as exc:
            raise self.CollectError(f"{self.path}: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else "")) \
                from None
        yield PromptVersionNode.from_parent(self, name=pin.display, project=project, target=target)


class PromptVersionNode(pytest.Collector):
    """``name@version``: one child per case."""

    def __init__(self, *, project: SnapshotProject, target: Target, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project = project
        self.target = target

    def collect(self) -> Iterator[pytest.Collector]:
        """Yield one collector per case, in suite order."""
        for case in self.target.suite.cases:
            yield CaseNode.from_parent(self, name=case.id, case=case)


class CaseNode(pytest.Collector):
    """``case``: one item per rendered provider, plus the recording provider when it is not rendered for."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def collect(self) -> Iterator[pytest.Item]:
        """Yield the case's items."""
        from promptctl.errors import PromptctlError
        from promptctl.evaluation.snapshots.engine import planned_recorder
        from promptctl.evaluation.snapshots.golden import read_golden
        from promptctl.evaluation.snapshots.project import case_providers

        parent = self.parent
        assert isinstance(parent, PromptVersionNode)
        project, target = parent.project, parent.target
        pin = project.pin(target.ref)
        providers = case_providers(self.case, pin)
        try:
            golden = read_golden(project.golden_path(target.suite.name, self.case.id))
        except (FileNotFoundError, PromptctlError):
            golden = None
        try:
            recorder = planned_recorder(project, pin, self.case, golden)
        except PromptctlError:
            recorder = providers[0]
        for provider in (*providers, *(() if recorder in providers else (recorder,))):
            yield SnapshotItem.from_parent(self, name=provider, provider=provider)


class SnapshotItem(pytest.Item):
    """``prompt@version::case::provider``: the provider's request and (for the recorder) the output checks."""

    def __init__(self, *, provider: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.provider = provider
        case_node = self.parent
        assert isinstance(case_node, CaseNode)
        version_node = case_node.parent
        assert isinstance(version_node, PromptVersionNode)
        self.case = case_node.case
        self.project = version_node.project
        self.target = version_node.target
        self.golden = self.project.golden_path(self.target.suite.name, self.case.id)

    def _result(self) -> CaseResult:
        from promptctl.evaluation.snapshots import check_case

        key = (self.project.root, self.target.suite.name, self.case.id)
        cache = self.config.stash[_RESULTS]
        if key not in cache:
            cache[key] = check_case(self.project, self.target, self.case)
        return cache[key]  # type: ignore[no-any-return]

    def runtest(self) -> None:
        """Check this item (after rewriting its part of the golden file under ``--promptctl-update``)."""
        if self.config.getoption("promptctl_update"):
            self._update()
        result = self._result()
        outcome = result.outcome(self.provider)
        if not outcome.passed:
            raise SnapshotError(f"{outcome.id}: {outcome.message}\ngolden file: {self.golden}\n{outcome.details}")

    def _update(self) -> None:
        from promptctl.errors import PromptctlError
        from promptctl.evaluation.snapshots import update_case

        before = self._result()
        is_recorder = self.provider == before.recorder
        try:
            change = update_case(
                self.project, self.target, self.case,
                providers=[self.provider] if self.provider in before.providers else [],
                checks=is_recorder,
            )
        except PromptctlError as exc:
            raise SnapshotError(f"cannot update {self.golden}: {exc.message}"
                                + (f"\nhint: {exc.hint}" if exc.hint else "")) from None
        self.config.stash[_RESULTS].pop((self.project.root, self.target.suite.name, self.case.id), None)
        if change.written:
            line = f"{before.item_id(self.provider)}: {', '.join(change.changes)} -> {self.golden}"
            self.user_properties.append(("promptctl_updated", line))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:  # type: ignore[override]
        """The readable report for snapshot failures; pytest's default for anything else."""
        if isinstance(excinfo.value, SnapshotError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Location shown by pytest: the golden file and the item id."""
        return self.golden, None, f"{self.parent.parent.name}::{self.case.id}::{self.provider}"  # type: ignore[union-attr]


class _UpdateSummary:
    """Lists the golden files ``--promptctl-update`` rewrote in the terminal summary.

    It works on the xdist controller too: ``user_properties`` travel with the reports.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Remember the rewrite lines of a finished item."""
        if report.when == "call":
            self.lines.extend(str(v) for k, v in report.user_properties if k == "promptctl_updated")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print what was rewritten."""
        terminalreporter.section("promptctl snapshot update")
        if not self.lines:
            terminalreporter.write_line("no golden file needed rewriting")
        for line in sorted(set(self.lines)):
            terminalreporter.write_line(f"rewrote {line}")
