"""The live engine is tested through the board's fixtures: a workshop with people of every role, and sockets."""

from tests.goals.conftest import clock  # noqa: F401
from tests.planning.conftest import *  # noqa: F403
