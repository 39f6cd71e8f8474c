from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live engine"

    def ready(self) -> None:
        from live.close_codes import let_daphne_send_protocol_close_codes

        let_daphne_send_protocol_close_codes()
