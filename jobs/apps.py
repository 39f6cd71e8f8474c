from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from jobs import log
        from live import committed

        committed.subscribe(log.on_commit)
