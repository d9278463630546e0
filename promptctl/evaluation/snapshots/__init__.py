"""Regression snapshots: suite files, golden files, record / check / update, JUnit XML.

Layout (fixed, relative to the project root)::

    prompts/<name>/snapshots.yaml     the suite: cases, variables, providers, checks, how to record
    snapshots/<name>/<case>.yaml      one golden file per case (rendered requests, recorded output, checks)

Suite format: :mod:`promptctl.evaluation.snapshots.suite`. Golden format and the
normalisation applied before comparing: :mod:`promptctl.evaluation.snapshots.golden`.
What ``check`` verifies and how items are named (``name@version::case::provider``):
:mod:`promptctl.evaluation.snapshots.engine`; pins and rendering:
:mod:`~promptctl.evaluation.snapshots.project`; result types: :mod:`~promptctl.evaluation.snapshots.results`;
text and JUnit reports: :mod:`~promptctl.evaluation.snapshots.report`.

Example::

    from promptctl.evaluation.snapshots import SnapshotProject, check

    report = check(SnapshotProject())          # the project of the working directory
    assert report.passed, [o.id for _, o in report.failed]
"""

from promptctl.evaluation.snapshots.engine import arecord, check, check_case, record, update, update_case
from promptctl.evaluation.snapshots.golden import normalise, normalise_text
from promptctl.evaluation.snapshots.project import Pin, SnapshotProject, Target
from promptctl.evaluation.snapshots.results import (
    CaseChange,
    CaseResult,
    CheckReport,
    CheckResult,
    ItemOutcome,
    LiveOptions,
    LiveResult,
)
from promptctl.evaluation.snapshots.suite import Case, CheckSpec, RecordWith, Suite, load_suite

__all__ = [
    "Case",
    "CaseChange",
    "CaseResult",
    "CheckReport",
    "CheckResult",
    "CheckSpec",
    "ItemOutcome",
    "LiveOptions",
    "LiveResult",
    "Pin",
    "RecordWith",
    "SnapshotProject",
    "Suite",
    "Target",
    "arecord",
    "check",
    "check_case",
    "load_suite",
    "normalise",
    "normalise_text",
    "record",
    "update",
    "update_case",
]
