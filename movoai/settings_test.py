"""Settings for the test suite: the same services as development, with a Redis database of its own
so that flushing it between tests never touches the cache of a running development server."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from movoai.settings import *  # noqa: F403
from movoai.settings import CACHES, REDIS_URL

TEST_REDIS_DB = 15


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
