"""The production launcher runs Daphne on uvloop: the policy has to be in place before Daphne makes its loop."""

import subprocess
import sys

from tests.servers import ROOT, SERVE

# Daphne's real command line, with its entry point swapped for one that reports the loop that
# importing `daphne.server` made and the one Twisted's reactor runs on.
CHECK = """
import sys, types
from workshop import serve

def entrypoint():
    import daphne.server
    from twisted.internet import reactor
    print(type(daphne.server.twisted_loop).__module__, type(reactor._asyncioEventloop).__module__)

sys.modules["daphne.cli"] = types.SimpleNamespace(CommandLineInterface=types.SimpleNamespace(entrypoint=entrypoint))
serve.main()
"""


def test_daphnes_loop_and_twisteds_reactor_run_on_uvloop() -> None:
    done = subprocess.run(  # noqa: S603 (our interpreter, our code)
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["uvloop", "uvloop"]


def test_the_launcher_hands_its_arguments_to_daphne() -> None:
    done = subprocess.run(  # noqa: S603 (our interpreter, our module)
        [*SERVE, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "--ping-interval" in done.stdout
