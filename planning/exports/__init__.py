"""The agreed plan as documents people take away: PDF, Markdown and CSV (protocol §6)."""
