"""Evaluation: scorers, datasets, statistics, A/B comparisons and snapshots."""
