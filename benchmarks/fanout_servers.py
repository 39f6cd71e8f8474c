"""What the fan-out benchmark runs against: a throwaway PostgreSQL database, a Redis db of its own
and Daphne processes started exactly as production starts them.

`Infra` is a context manager so that the database is dropped and the Redis db flushed however the
run ends (Ctrl-C and errors too); the servers it started are stopped with it."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fanout_http import http_request

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
# Another checkout's benchmark may be running on the same Redis and PostgreSQL (sessions share
# machines): FANOUT_REDIS_DB picks the db this run flushes and uses, FANOUT_DATABASE the database.
REDIS_DB = int(os.environ.get("FANOUT_REDIS_DB", "8"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Any

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_flush() -> None:
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, capture_output=True)  # noqa: S603, S607


class Infra:
    def __init__(self) -> None:
        self.database = os.environ.get("FANOUT_DATABASE") or f"rallypoint_bench_{os.getpid()}"
        self.servers: list[Server] = []
        self.created = False
        self.app = "workshop.asgi:application"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "workshop.settings",
            "SECRET_KEY": "fanout-benchmark-" + secrets.token_hex(24),
            "DEBUG": "0",
            # Plain HTTP on 127.0.0.1, and hundreds of guests joining from that one address.
            "HTTPS": "0",
            "JOIN_RATE_LIMIT": "0",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
            "REDIS_URL": REDIS_URL,
            "PYTHONUNBUFFERED": "1",
        }

    def __enter__(self) -> Infra:
        subprocess.run(["createdb", *PG, self.database], check=True)  # noqa: S603, S607
        self.created = True
        redis_flush()
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True)  # noqa: S603
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_servers()
        with contextlib.suppress(Exception):
            redis_flush()
        if self.created:
            # Terminated servers may leave their pooled connections for a moment: force.
            subprocess.run(["dropdb", *PG, "--force", "--if-exists", self.database], check=False)  # noqa: S603, S607

    def start_servers(self, count: int) -> list[Server]:
        started = []
        for _ in range(count):
            port = free_port()
            log = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the server is stopped)
            process = subprocess.Popen(  # noqa: S603 (our interpreter and module)
                [PYTHON, "-m", "workshop.serve", "-b", "127.0.0.1", "-p", str(port), self.app],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            server = Server(port, process, log)
            self.servers.append(server)
            started.append(server)
        for server in started:
            wait_healthy(server)
        return started

    def stop_servers(self, servers: list[Server] | None = None) -> None:
        for server in list(servers if servers is not None else self.servers):
            if server.process.poll() is None:
                server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
            server.log.close()
            self.servers.remove(server)

    def shell(self, code: str, payload: dict[str, Any]) -> Any:
        """Run `code` in `manage.py shell`; it reads BENCH_INPUT and prints `BENCH_OUTPUT <json>`."""
        done = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=ROOT,
            env={**self.env, "BENCH_INPUT": json.dumps(payload)},
            capture_output=True,
            text=True,
            check=False,
        )
        for line in done.stdout.splitlines():
            if line.startswith("BENCH_OUTPUT "):
                return json.loads(line.removeprefix("BENCH_OUTPUT "))
        raise RuntimeError(f"setup failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def server_log_tail(server: Server, size: int = 3000) -> str:
    server.log.seek(0, os.SEEK_END)
    server.log.seek(max(0, server.log.tell() - size))
    return server.log.read().decode(errors="replace")


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _, _ = http_request(server.port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Daphne did not start:\n{server_log_tail(server)}")
        time.sleep(0.1)
