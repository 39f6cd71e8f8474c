from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat rooms"

    def ready(self) -> None:
        from chat import reader, sending
        from jobs import log, tick

        log.register(reader.READER)
        tick.every_tick("chat.queue_due", sending.queue_due)
