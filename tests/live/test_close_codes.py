"""The one patch of Daphne (live/close_codes.py) still does what it must, and is still needed.

If autobahn starts accepting 1009 and 1011 from servers, the first test fails: delete the patch.
If Daphne or autobahn rename what it wraps or calls, the others fail before a browser is told 1011
for a frame that was only too big (tests/room/test_perimeter.py checks that through a real Daphne).
"""

from __future__ import annotations

import inspect

import pytest
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol

from live.close_codes import SERVER_CLOSE_CODES, let_daphne_send_protocol_close_codes


@pytest.mark.parametrize("code", sorted(SERVER_CLOSE_CODES))
def test_autobahn_still_refuses_the_protocol_codes_so_the_patch_is_needed(code):
    protocol = AutobahnProtocol.__new__(AutobahnProtocol)
    with pytest.raises(Exception, match=f"invalid close code {code}"):
        protocol.sendClose(code=code)


def test_what_the_patch_calls_is_still_there():
    assert list(inspect.signature(AutobahnProtocol.sendCloseFrame).parameters)[:4] == [
        "self",
        "code",
        "reasonUtf8",
        "isReply",
    ]


def test_daphne_sends_the_protocol_codes_as_frames_and_leaves_the_rest_to_itself():
    from daphne.ws_protocol import WebSocketProtocol as DaphneProtocol

    let_daphne_send_protocol_close_codes()
    let_daphne_send_protocol_close_codes()  # twice is once
    protocol = DaphneProtocol.__new__(DaphneProtocol)
    sent: list[object] = []
    protocol.sendCloseFrame = lambda code=None, isReply=False: sent.append(("frame", code, isReply))
    protocol.sendClose = lambda code=None, reason=None: sent.append(("daphne", code))
    for code in (1009, 1011, 4404, None):
        protocol.serverClose(code)
    assert sent == [("frame", 1009, False), ("frame", 1011, False), ("daphne", 4404), ("daphne", 1000)]
