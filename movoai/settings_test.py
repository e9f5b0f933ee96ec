"""Settings for the test suite: the same services as development, with a Redis database of its own
so that flushing it between tests never touches the cache of a running development server."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from movoai.settings import *  # noqa: F403
from movoai.settings import CACHES, DATABASES, REDIS_URL

# Two test runs at once (several engineers on one machine) each set their own database and Redis
# database: MOVOAI_TEST_DB_NAME=test_alice MOVOAI_TEST_REDIS_DB=14 make test.
TEST_REDIS_DB = int(os.environ.get("MOVOAI_TEST_REDIS_DB", "15"))


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (redis://host/N or unix://path?db=N)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


TEST_REDIS_URL = redis_url_with_db(REDIS_URL, TEST_REDIS_DB)
CACHES["default"]["LOCATION"] = TEST_REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "movoai-test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ.get("MOVOAI_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["MOVOAI_TEST_DB_NAME"]}
# Tests keep sent messages in memory, never on the console or the network.
SMS_BACKEND = "accounts.sms.MemoryBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TELEGRAM_BOT_TOKEN = "123456:TEST-TOKEN"  # noqa: S105 - the test bot of the acceptance checks
GOOGLE_CLIENT_IDS = ["movoai-test-web.apps.googleusercontent.com", "movoai-test-android.apps.googleusercontent.com"]
# Never a real language model from the tests, whatever the developer's environment holds.
OPENAI_API_KEY = ""
OPENAI_BASE_URL = ""
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [TEST_REDIS_URL], "prefix": "movoai-test:channels"},
    }
}
# Celery's broker in the test Redis database too (kombu spells a Unix socket "redis+socket://").
CELERY_BROKER_URL = TEST_REDIS_URL.replace("unix://", "redis+socket://", 1)
# Short waits between a failed model call and its retry: the tests fail models on purpose.
AGENT_RETRY_INITIAL_SECONDS = 0.01
