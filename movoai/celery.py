"""The Celery app. Its broker is the same Redis as the cache (REDIS_URL, or the embedded server).
Tasks arrive with the AI issues; each app's tasks.py is discovered automatically."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")

app = Celery("movoai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
