"""``python -m promptctl`` runs the command line."""

from promptctl.cli import main

main()
