from django.urls import re_path

from room.consumers import WorkshopConsumer

websocket_urlpatterns = [
    re_path(r"^ws/w/(?P<workshop_id>[A-Za-z0-9_-]{8,32})/$", WorkshopConsumer.as_asgi()),
]
