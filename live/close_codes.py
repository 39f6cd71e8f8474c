"""Daphne sends the protocol's own close codes 1009 and 1011 (docs/decisions.md, "Close codes").

There is no public API for this: autobahn, under Daphne, refuses any code but 1000 and 3000-4999
(django/daphne#374), so Daphne's `serverClose` is wrapped. tests/live/test_close_codes.py fails
when Daphne or autobahn change what this relies on.
"""

from __future__ import annotations

import sys
from typing import Any

# RFC 6455 (7.4.1) codes a server may close with, of those Rallypoint sends: 1009 (a frame over
# 16 KiB, protocol §4) and 1011 (an op failed). Autobahn, under Daphne, refuses to send any
# code but 1000 and 3000-4999 (the browser API's rule for clients, django/daphne#374): the
# consumer's close then raises, and the client sees 1011 whatever was meant.
SERVER_CLOSE_CODES = frozenset({1009, 1011})


def let_daphne_send_protocol_close_codes() -> None:
    """Send SERVER_CLOSE_CODES as the close frame they are, bypassing autobahn's check.

    Only in a Daphne process, which has imported its protocol before the application; other
    processes (manage.py, another ASGI server) are left alone and do not import Twisted.
    """
    daphne_protocol = sys.modules.get("daphne.ws_protocol")
    if daphne_protocol is None:
        return
    protocol_class = daphne_protocol.WebSocketProtocol
    server_close = protocol_class.serverClose
    if getattr(server_close, "sends_protocol_codes", False):
        return

    def serverClose(self: Any, code: int | None = None) -> None:
        if code in SERVER_CLOSE_CODES:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            server_close(self, code)

    serverClose.sends_protocol_codes = True  # type: ignore[attr-defined]
    protocol_class.serverClose = serverClose
