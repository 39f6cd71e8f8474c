from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from calendars import views as calendar_views
from chat import views as chat_views
from clients import views as clients_views
from frameworks import new_workshop
from frameworks import views as template_views
from goals import views as goals_views
from mail import views as mail_views
from planning import mine as mine_views
from planning import views as planning_views
from planning.exports import views as export_views
from room import views as room_views
from webhooks import views as webhooks_views
from workshop import connections, health, openapi

urlpatterns = [
    path("", room_views.home, name="home"),
    path("accounts/signup/", mail_views.signup, name="signup"),
    path("accounts/settings/", mail_views.account_settings, name="account_settings"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", goals_views.Logout.as_view(), name="logout"),
    path("workshops/new/", new_workshop.workshop_new, name="workshop_new"),
    path("api/workshops", new_workshop.workshops, name="workshops"),
    path("w/<str:workshop_id>/", planning_views.board, name="board"),
    path("w/<str:workshop_id>/mine/", mine_views.mine, name="mine"),
    path("w/<str:workshop_id>/mine/link/", mine_views.mine_link, name="mine_link"),
    path("w/<str:workshop_id>/connections/", connections.connections, name="connections"),
    path("w/<str:workshop_id>/mine/calendar/", calendar_views.mine_calendar, name="mine_calendar"),
    path("join/<str:token>/", goals_views.join, name="join"),
    path("back/<str:token>/", goals_views.return_link, name="return_link"),
    path("templates/", template_views.library, name="templates"),
    path("templates/new/", template_views.editor, name="template_new"),
    path("templates/<str:tid>/edit/", template_views.editor, name="template_edit"),
    path("api/templates", template_views.templates, name="templates_api"),
    path("api/templates/<str:tid>", template_views.template, name="template"),
    path("api/w/<str:workshop_id>/template", template_views.workshop_template, name="workshop_template"),
    path("api/openapi.json", openapi.openapi, name="openapi"),
    path("api/w/<str:workshop_id>/state", planning_views.state, name="state"),
    # Protocol §10: the board's likely duplicates while gathering (planning.duplicates).
    path("api/w/<str:workshop_id>/duplicates", planning_views.duplicates, name="duplicates"),
    path("api/w/<str:workshop_id>/me/link", goals_views.my_link, name="my_link"),
    # Protocol §9: a member's calendar feed (calendars.views).
    path("api/w/<str:workshop_id>/me/calendar", calendar_views.my_calendar, name="my_calendar"),
    path("calendar/<str:token>.ics", calendar_views.feed, name="calendar_feed"),
    path("api/w/<str:workshop_id>/invites", goals_views.invites, name="invites"),
    path("api/w/<str:workshop_id>/invites/<str:token>", goals_views.invite, name="invite"),
    path("api/w/<str:workshop_id>/invites/<str:token>/qr.svg", goals_views.invite_qr, name="invite_qr"),
    path("w/<str:workshop_id>/export/plan.<str:extension>", export_views.export_plan, name="export_plan"),
    path("api/w/<str:workshop_id>/plans", export_views.plan_versions, name="plan_versions"),
    path("healthz", health.healthz, name="healthz"),
    # Clients and the portfolio (protocol §8).
    path("portfolio/", clients_views.portfolio_page, name="portfolio"),
    path("portfolio.csv", clients_views.portfolio_download, name="portfolio_csv"),
    path("api/portfolio", clients_views.portfolio_json, name="api_portfolio"),
    path("api/clients", clients_views.clients, name="clients"),
    path("api/clients/<str:client_id>/colleagues", clients_views.client_colleagues, name="client_colleagues"),
    path(
        "api/clients/<str:client_id>/colleagues/<str:username>", clients_views.client_colleague, name="client_colleague"
    ),
    path("api/w/<str:workshop_id>/client", clients_views.workshop_client, name="workshop_client"),
    # Chat rooms (protocol §9) and their "send a test" (docs/integrations.md).
    path("api/w/<str:workshop_id>/chat", chat_views.chat_rooms, name="chat_rooms"),
    path("api/w/<str:workshop_id>/chat/<str:room_id>", chat_views.chat_room, name="chat_room"),
    path("api/w/<str:workshop_id>/chat/<str:room_id>/test", chat_views.chat_room_test, name="chat_room_test"),
    path("api/w/<str:workshop_id>/chat/<str:room_id>/posts", chat_views.chat_room_posts, name="chat_room_posts"),
    # Mail (protocol §9): confirming an address, unsubscribing, a guest's sign-in link, offering help.
    path("mail/confirm/<str:token>/", mail_views.confirm, name="mail_confirm"),
    path("mail/unsubscribe/<str:token>/", mail_views.unsubscribe, name="mail_unsubscribe"),
    path("mail/in/<str:token>/", mail_views.signin_link, name="mail_signin"),
    path("w/<str:workshop_id>/help/<int:item_id>/", mail_views.help_offer, name="mail_help"),
    path("w/<str:workshop_id>/mine/mail/", mail_views.mine_mail, name="mine_mail"),
    # Webhooks (protocol §9).
    path("api/w/<str:workshop_id>/webhooks", webhooks_views.webhooks, name="webhooks"),
    path("api/w/<str:workshop_id>/webhooks/<str:hid>", webhooks_views.webhook, name="webhook"),
    path("api/w/<str:workshop_id>/webhooks/<str:hid>/test", webhooks_views.webhook_test, name="webhook_test"),
    path(
        "api/w/<str:workshop_id>/webhooks/<str:hid>/deliveries",
        webhooks_views.webhook_deliveries,
        name="webhook_deliveries",
    ),
    path(
        "api/w/<str:workshop_id>/webhooks/<str:hid>/deliveries/<str:did>/retry",
        webhooks_views.webhook_retry,
        name="webhook_retry",
    ),
    # Browsers ask for /favicon.ico where a page names no icon (a PDF export in a tab).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
]
