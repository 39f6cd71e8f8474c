"""The write rule (live/changes.py) holds on both backends: the same session of every op of the
protocol leaves PostgreSQL and SQLite with the same board, the same event log and the same acks.

Each backend runs the session in a process of its own on a fresh database (tests/room/every_op.py),
so that ids agree. It needs a PostgreSQL server, so it runs in the PostgreSQL pass of the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares PostgreSQL with SQLite: runs where DATABASE_URL is PostgreSQL"
)


def session_on(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.room.every_op"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture
def fresh_postgres():
    settings = connection.settings_dict
    server = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']}"
    name = f"rallypoint_every_op_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_op_leaves_both_backends_alike(tmp_path, fresh_postgres):
    on_postgres = session_on(fresh_postgres)
    on_sqlite = session_on(f"sqlite:///{tmp_path / 'every_op.sqlite3'}")
    assert on_postgres["acks"] == on_sqlite["acks"]
    assert on_postgres["events"] == on_sqlite["events"]
    for name, snapshot in on_postgres["snapshots"].items():
        assert snapshot == on_sqlite["snapshots"][name], f"{name} sees another board on SQLite"
    assert on_postgres == on_sqlite
