from django.urls import path

from tickets.consumers import CustomerChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<uuid:public_id>/", CustomerChatConsumer.as_asgi()),
]
