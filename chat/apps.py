from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat rooms"

    def ready(self) -> None:
        from chat import reader, sending
        from chat.models import ChatPost, ChatRoom
        from jobs import log, tick
        from room import workshop_data

        log.register(reader.READER)
        workshop_data.add_tables(
            ((ChatRoom, "workshop"), (ChatPost, "room__workshop")), secrets={ChatRoom: {"url_sealed"}}
        )
        tick.every_tick("chat.queue_due", sending.queue_due)
