from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from jobs.tick import every_tick
        from room import workshop_data
        from webhooks import reader, sending
        from webhooks.models import Delivery, Endpoint

        reader.register()
        workshop_data.add_tables(
            ((Endpoint, "workshop"), (Delivery, "endpoint__workshop")), secrets={Endpoint: {"secret_sealed"}}
        )
        every_tick("webhooks.sweep", sending.sweep)
