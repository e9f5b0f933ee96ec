"""ASGI entry point, kept for WebSockets and Server-Sent Events only (arriving with the coach and
planner issues). The REST API is served over WSGI: Django's sync views behind ASGI ran about ten
times slower here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")

application = get_asgi_application()
