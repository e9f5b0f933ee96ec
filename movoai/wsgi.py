"""WSGI entry point: the REST API is served by gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")

application = get_wsgi_application()
