"""All websocket routes, gathered from the apps."""

from agents.routing import websocket_urlpatterns as agent_routes
from tickets.routing import websocket_urlpatterns as ticket_routes

websocket_urlpatterns = [*ticket_routes, *agent_routes]
