"""Settings of a Celery worker process started by a test (test_worker_killed.py): the test settings,
on the test's own database (MOVOAI_WORKER_DB_NAME: pytest-django's test database, which exists only
while the test session runs) and with the model the test points it at (OPENAI_BASE_URL, OPENAI_API_KEY:
the stub server; the test settings never read them from the environment)."""

from __future__ import annotations

import os

from movoai.settings_test import *  # noqa: F403
from movoai.settings_test import DATABASES

DATABASES["default"]["NAME"] = os.environ["MOVOAI_WORKER_DB_NAME"]
# each task's connections are closed when it ends: none outlives the test database
DATABASES["default"]["CONN_MAX_AGE"] = 0
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
