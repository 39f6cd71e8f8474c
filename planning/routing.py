"""Websocket routes; the live consumer is added with the websocket protocol."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
