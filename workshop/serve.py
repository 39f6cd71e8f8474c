"""Daphne's command line on uvloop: `python -m workshop.serve <Daphne's arguments>`.

Daphne creates its event loop, and installs Twisted's asyncio reactor on it, when `daphne.server`
is first imported: before it reads its arguments or loads the app. So the loop's policy has to be
set by whatever starts the process, before that import; `workshop.asgi` is too late.

Every websocket frame a server sends or receives goes through that loop (Twisted registers the
socket for writing and unregisters it again for each frame), and so does every Redis message.
uvloop does that work in C: a server in the 500-member room spent about a tenth less CPU on it
(docs/performance.md).
"""

from __future__ import annotations

import asyncio

import uvloop


def use_uvloop() -> None:
    """Make the loops created from here on uvloop's; call before anything imports `daphne.server`."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    use_uvloop()
    from daphne.cli import CommandLineInterface  # here: importing it creates Daphne's loop

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
