"""Machinery that knows nothing of workshops: errors, validation, limits, time and SQL.

Every other app builds on it (docs/architecture.md).
"""
