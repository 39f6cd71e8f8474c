"""The clients' and the portfolio's URLs (protocol §8), included by workshop.urls."""

from django.urls import path

from clients import views

urlpatterns = [
    path("portfolio/", views.portfolio_page, name="portfolio"),
    path("portfolio.csv", views.portfolio_download, name="portfolio_csv"),
    path("api/portfolio", views.portfolio_json, name="api_portfolio"),
    path("api/clients", views.clients, name="clients"),
    path("api/clients/<str:client_id>/colleagues", views.client_colleagues, name="client_colleagues"),
    path("api/clients/<str:client_id>/colleagues/<str:username>", views.client_colleague, name="client_colleague"),
    path("api/w/<str:workshop_id>/client", views.workshop_client, name="workshop_client"),
]
