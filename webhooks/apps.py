from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from jobs.tick import every_tick
        from webhooks import reader, sending

        reader.register()
        every_tick("webhooks.sweep", sending.sweep)
