"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging


class SkipHttp2Notice(logging.Filter):
    """Drop Daphne's start-up notice that HTTP/2 is not enabled.

    Daphne serves HTTP/2 only over TLS that it terminates itself (ALPN), with Twisted's `http2`
    and `tls` extras. Rallypoint's Daphne never terminates TLS: `./dev serve` is plain HTTP on
    localhost, and in production nginx terminates TLS (and speaks HTTP/2 to browsers) and talks
    HTTP/1.1 to Daphne (deploy/). Installing h2 would only change the notice, so it is dropped:
    at INFO, it reads like a warning to someone starting the app for the first time. Daphne's
    maintainers say the same of it ("it's not warning you it's off, it's just letting you know",
    django/channels#645). Every other line of Daphne's is kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("HTTP/2 support not enabled")
