"""The clock every operation reads, in one place so that tests can move time.

Call it as `clock.now()` (never import the function itself), so that patching
`core.clock.now` reaches every caller.
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
