"""Moved to :mod:`promptctl.session.run`; kept so that code written against ``promptctl.run`` keeps importing.

Use the public functions :func:`promptctl.run` and :func:`promptctl.arun`, or :mod:`promptctl.session.run`.
"""

from promptctl.session.run import Prepared, Result, arun, execute, prepare, project_root, render_request, run

__all__ = ["Prepared", "Result", "arun", "execute", "prepare", "project_root", "render_request", "run"]
