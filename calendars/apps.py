from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"

    def ready(self) -> None:
        from calendars.models import CalendarFeed
        from calendars.panel import calendar_panel
        from planning.mine import add_panel
        from room import workshop_data

        add_panel(calendar_panel)
        workshop_data.add_tables(((CalendarFeed, "member__workshop"),), secrets={CalendarFeed: {"token_hash"}})
