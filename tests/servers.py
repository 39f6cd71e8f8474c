"""Real Daphne processes on the test database, for tests that need the whole ASGI stack.

Each process gets the test settings with DATABASE_URL pointed at this test
session's database (and the same REDIS_URL), so what a test commits is what
the servers read.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
# Daphne as the systemd unit starts it: on uvloop, through the launcher (workshop/serve.py).
SERVE = [sys.executable, "-m", "workshop.serve"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


def _tail(log: IO[bytes], size: int = 2000) -> str:
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - size))
    return log.read().decode(errors="replace")


@contextlib.contextmanager
def daphne() -> Iterator[str]:
    """One Daphne process serving the app; yields its base URL http://localhost:<port>."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": served_database_url(),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
    }
    # The log goes to a file, not a pipe: nobody reads a pipe while the tests run, and a full
    # one (64 KiB of access lines) would block Daphne mid-test.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [*SERVE, "-b", "127.0.0.1", "-p", str(port), "workshop.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://localhost:{port}"
        try:
            _wait_until_healthy(server, url, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_healthy(server: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 (localhost)
                if response.status == 200:
                    return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Daphne did not start: {_tail(log)}") from None
            time.sleep(0.1)


def app_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of a process (Daphne, manage.py) on the test settings and `env`'s services
    only: this session's own DATABASE_URL and REDIS_URL are not passed on."""
    return {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        **env,
    }


class DaphneProcess:
    """A Daphne process on a port of its own that a test may kill and start again there.

    Unlike `daphne()` it serves whatever database and Redis `env` names (throwaway ones, in
    the fault tests), and it keeps its port across restarts, so that clients reconnecting to
    the address they knew find the new process.
    """

    def __init__(self, env: dict[str, str], *, log: Path | None = None) -> None:
        self.env = app_env(env)
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        # A file, not a pipe (see `daphne()`); appended to across restarts.
        self.log: IO[bytes] = log.open("a+b") if log is not None else tempfile.TemporaryFile()  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def spawn(self) -> None:
        """Start the process without waiting for it; `wait_healthy` waits."""
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [*SERVE, "-b", "127.0.0.1", "-p", str(self.port), "workshop.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self) -> None:
        assert self.process is not None
        _wait_until_healthy(self.process, self.url, self.log)

    def start(self) -> None:
        self.spawn()
        self.wait_healthy()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no disconnect handlers; open sockets just drop."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, size: int = 3000) -> str:
        return _tail(self.log, size)

    def close(self) -> None:
        self.stop()
        self.log.close()


@contextlib.contextmanager
def daphne_processes(count: int, env: dict[str, str], *, logs: Path | None = None) -> Iterator[list[DaphneProcess]]:
    """`count` Daphne processes on `env`, started together; stopped at the end, also on failure."""
    servers = [
        DaphneProcess(env, log=logs / f"daphne-{number}.log" if logs is not None else None) for number in range(count)
    ]
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_healthy()
        yield servers
    finally:
        for server in servers:
            server.close()


class JobWorker:
    """A `manage.py worker` process on this session's test database, that a test may stop or kill.

    It gets the test settings with `env` on top (WEBHOOKS_ALLOW_HTTP for receivers on loopback,
    say), and runs jobs in `threads` threads as the production unit does."""

    def __init__(self, env: dict[str, str] | None = None, *, threads: int = 2) -> None:
        self.env = app_env({"DATABASE_URL": served_database_url(), **(env or {})})
        if settings.REDIS_URL:
            self.env["REDIS_URL"] = settings.REDIS_URL
        self.threads = threads
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> JobWorker:
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", "worker", "--threads", str(self.threads)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def output(self) -> str:
        return _tail(self.log, 6000)

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-job, as on a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as systemd stops it; the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.kill()

    def __enter__(self) -> JobWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
        self.log.close()
