"""Throwaway PostgreSQL and Redis servers, for tests that break their services on purpose.

A fault test stops PostgreSQL and kills Redis while clients are working. Doing that to the
machine's shared servers would break every other test run (and engineer) using them, so
these run on free ports in temporary directories and are removed at the end, failure
included. PostgreSQL refuses to run as root: as root, its commands run as the `postgres`
OS user, in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psycopg

from tests.servers import free_port

POSTGRES_BINARIES = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
START_SECONDS = 30


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None when there is none."""
    found = sorted(
        (path.parent for path in POSTGRES_BINARIES.glob("*/bin/initdb")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def redis_server() -> str | None:
    return shutil.which("redis-server")


def _as_service_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", SERVICE_USER, "--", *argv]


def _run(argv: list[str], *, what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 (fixed binaries)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")


class Postgres:
    """One PostgreSQL cluster on 127.0.0.1:<port>, trust auth, that can be stopped and started again."""

    def __init__(self, directory: Path, binaries: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.binaries = binaries
        self.port = free_port()
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{SERVICE_USER}@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> None:
        _run(
            _as_service_user(
                [
                    str(self.binaries / "initdb"),
                    "-D",
                    str(self.data),
                    "--auth=trust",
                    f"--username={SERVICE_USER}",
                    "--encoding=UTF8",
                    "--no-sync",
                ]
            ),
            what="initdb",
        )

    def start(self) -> None:
        """Start on the same port as before; returns once it accepts connections."""
        # fsync off: a throwaway cluster, and the faults here stop PostgreSQL, not the machine,
        # so what was written before a stop is still in the page cache when it starts again.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=on -c full_page_writes=off"
        )
        _run(
            _as_service_user(
                [
                    str(self.binaries / "pg_ctl"),
                    *("-D", str(self.data), "-l", str(self.log), "-o", options),
                    *("-w", "-t", str(START_SECONDS), "start"),
                ]
            ),
            what="pg_ctl start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` rolls back open transactions and shuts down cleanly; `immediate` is a crash
        (every backend killed, recovery from the WAL on the next start)."""
        _run(
            _as_service_user([str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            what="pg_ctl stop",
        )
        self.running = False

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, size: int = 3000) -> str:
        with contextlib.suppress(OSError), self.log.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - size))
            return log.read().decode(errors="replace")
        return ""


@contextlib.contextmanager
def postgres(*, keep_log: Path | None = None) -> Iterator[Postgres]:
    """A fresh cluster, running; removed at the end (its log copied to `keep_log` first, if given)."""
    binaries = postgres_bin()
    if binaries is None:
        raise RuntimeError(f"no PostgreSQL under {POSTGRES_BINARIES}")
    directory = Path(tempfile.mkdtemp(prefix="rallypoint-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SERVICE_USER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    server = Postgres(directory, binaries)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        if server.running or (server.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                server.stop("immediate")
        if keep_log is not None:
            with contextlib.suppress(OSError):
                shutil.copyfile(server.log, keep_log)
        shutil.rmtree(directory, ignore_errors=True)


class Redis:
    """One redis-server on 127.0.0.1:<port>, no persistence, that can be killed and started again."""

    def __init__(self, directory: Path, log: IO[bytes]) -> None:
        self.directory = directory
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        binary = redis_server()
        if binary is None:
            raise RuntimeError("no redis-server on PATH")
        self.process = subprocess.Popen(  # noqa: S603 (a fixed binary)
            [
                binary,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: every connection drops, every key and subscription is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def redis() -> Iterator[Redis]:
    """A fresh redis-server, running; killed and removed at the end."""
    directory = Path(tempfile.mkdtemp(prefix="rallypoint-redis-"))
    with (directory / "redis.log").open("w+b") as log:
        server = Redis(directory, log)
        try:
            server.start()
            yield server
        finally:
            server.kill()
            shutil.rmtree(directory, ignore_errors=True)
