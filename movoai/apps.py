from django.apps import AppConfig


class MovoaiConfig(AppConfig):
    """Project-wide plumbing; its migrations apply db/schema.sql to a fresh database."""

    name = "movoai"
    verbose_name = "MovoAI"
