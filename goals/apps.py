from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Goals and people"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from goals.sockets import close_sockets_on_logout

        user_logged_out.connect(close_sockets_on_logout, dispatch_uid="goals.close_sockets_on_logout")
