from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"

    def ready(self) -> None:
        from calendars.panel import calendar_panel
        from planning.mine import add_panel

        add_panel(calendar_panel)
