from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"

    def ready(self) -> None:
        """Mail hears agreements and blocked items from the log, runs reminders, digests and its sweep
        on the tick, adds its card to "My commitments", and lets a guest's mailed link sign them in."""
        from goals.members import add_session_way
        from jobs import log
        from jobs.tick import every_tick
        from mail import kinds, panel, signin
        from mail.models import Address, Mail, Stop
        from planning.mine import add_panel
        from room import workshop_data

        log.register(kinds.READER_SPEC)
        every_tick("mail", kinds.periodic)
        add_panel(panel.mail_panel)
        add_session_way(signin.session_way)
        workshop_data.add_tables(
            ((Address, "member__workshop"), (Stop, "member__workshop"), (Mail, "member__workshop")),
            secrets={Address: {"confirm_nonce", "confirm_hash"}, Mail: {"nonce", "signin_hash"}},
        )
