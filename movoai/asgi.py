"""ASGI entry point, for WebSockets (`/ws/chat`, `/ws/executions/<id>`) and Server-Sent Events
(the chat's stream, `/api/v1/ai/agents/executions/<id>/events`) only: `make run` starts it with
uvicorn on ASGI_PORT (8001) beside the WSGI server. The REST API is served over WSGI (gunicorn):
Django's sync views behind ASGI ran about ten times slower here. Plain HTTP requests that reach this
process are still answered (by the same Django app), so a proxy may send SSE requests here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")

# Django first: the consumers import models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from coach.consumers import ChatConsumer, ExecutionConsumer  # noqa: E402

# channels routes consumers with django.urls.path; its stubs type path() for views only
websocket_urlpatterns = [
    path("ws/chat", ChatConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/executions/<uuid:execution_id>", ExecutionConsumer.as_asgi()),  # type: ignore[arg-type]
]

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),  # type: ignore[arg-type]
    }
)
