"""Revision files, oldest first by their ``NNNN_`` prefix (a linear history: each revises the one before)."""
