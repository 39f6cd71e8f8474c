"""Machinery that knows nothing of workshops: errors, validation, limits, time, SQL and fan-out.

goals builds on it, and planning on both (docs/architecture.md).
"""
