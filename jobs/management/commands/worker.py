"""`manage.py worker`: run background jobs, beside Daphne (deploy/systemd/rallypoint-worker.service)."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from jobs import tick
from jobs.worker import NICE, _run, make_worker


class Command(BaseCommand):
    help = "Run background jobs (mail, webhooks, chat, reminders) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--threads", type=int, default=4, help="jobs run at once (default 4)")
        parser.add_argument(
            "--nice", type=int, default=NICE, help=f"how much to yield the CPU to Daphne (default {NICE}; 0: not)"
        )

    def handle(self, *args: Any, threads: int, nice: int, **options: Any) -> None:
        if nice:
            os.nice(nice)
        tick.schedule_next()
        workers = [make_worker(f"worker{number}") for number in range(threads)]
        stopping = threading.Event()

        def stop(signum: int, frame: Any) -> None:
            # Each thread ends after its current job; a job cut short by a second signal or a kill
            # is retried from its rows (outbound.attempts), never lost.
            for worker in workers:
                worker.running = False
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        running = [threading.Thread(target=_run, args=(worker,), name=worker.worker_id) for worker in workers]
        for thread in running:
            thread.start()
        self.stdout.write(f"Running jobs in {threads} threads; stop with SIGTERM.")
        stopping.wait()
        for thread in running:
            thread.join()
