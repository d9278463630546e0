"""``promptctl help [TOPIC]``: the file formats, from topics shipped inside the package (:mod:`promptctl.help`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``help`` command to the app."""
    app.command("help")(help_topic)


def help_topic(
    topic: Annotated[
        str | None,
        typer.Argument(metavar="[TOPIC]", help="datasets, snapshots, examples, prompt-files, templates or strategies.",
                       show_default=False),
    ] = None,
) -> None:
    """Print a help topic: the format of datasets, snapshot suites, few-shot examples, prompt files.

    Without TOPIC, list the topics. 'promptctl COMMAND --help' describes a command's options.
    """
    from promptctl.help import TOPICS, topic_text

    if topic is None:
        sys.stdout.write("Help topics (promptctl help TOPIC):\n\n")
        width = max(len(name) for name in TOPICS)
        for name, summary in TOPICS.items():
            sys.stdout.write(f"  {name:<{width}}  {summary}\n")
        sys.stdout.write("\nCommands: promptctl --help; one command's options: promptctl COMMAND --help\n")
        return
    if topic not in TOPICS:
        from promptctl.errors import InputError, did_you_mean

        raise InputError(f"no help topic '{topic}'",
                         hint=" ".join(x for x in (did_you_mean(topic, TOPICS), f"topics: {', '.join(TOPICS)}") if x))
    sys.stdout.write(topic_text(topic))
