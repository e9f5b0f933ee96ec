"""Audit of the back-office: who changed which exercise or plan, and when.

Django's admin log is the record. The change form and the changelist's list_editable already write
to it; bulk actions write through `log_bulk_change` / `log_bulk_addition` (one entry per object), and
each change form shows its object's latest entries with `AuditedAdminMixin.recent_changes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

RECENT_CHANGES_SHOWN = 5


def _log(
    *, user: Any, objects: Iterable[Model], action_flag: int, message: str | Callable[[Any], str]
) -> list[LogEntry]:
    rows = list(objects)
    if not rows:
        return []
    entries = [
        LogEntry(
            user_id=user.pk,
            content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=False).id,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=action_flag,
            change_message=message(obj) if callable(message) else message,
        )
        for obj in rows
    ]
    return LogEntry.objects.bulk_create(entries)


def log_bulk_change(*, user: Any, objects: Iterable[Model], message: str | Callable[[Any], str]) -> list[LogEntry]:
    """One "changed" entry in the admin log per object, by `user`, saying `message` (what a bulk
    action did to it; a function of the object for a message of its own). Returns the entries."""
    return _log(user=user, objects=objects, action_flag=CHANGE, message=message)


def log_bulk_addition(*, user: Any, objects: Iterable[Model], message: str | Callable[[Any], str]) -> list[LogEntry]:
    """One "added" entry per object a bulk action made (a duplicated plan, say)."""
    return _log(user=user, objects=objects, action_flag=ADDITION, message=message)


def recent_entries(obj: Model, *, limit: int = RECENT_CHANGES_SHOWN) -> Sequence[LogEntry]:
    """The latest admin log entries of one object, newest first, with their users (one query)."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return list(
        LogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .select_related("user")
        .order_by("-action_time", "-id")[:limit]
    )


def _who(entry: LogEntry) -> str:
    user = entry.user
    name = getattr(user, "display_name", "") or ""
    email = getattr(user, "email", "") or ""
    if name and email:
        return f"{name} <{email}>"
    return name or email or str(user)


def _what(entry: LogEntry) -> str:
    """Django's own sentence ("Changed French name.", "Added.") or a bulk action's message."""
    message = entry.get_change_message()
    if message and message != "No fields changed.":
        return str(message)
    if entry.is_addition():
        return "Added."
    if entry.is_deletion():
        return "Deleted."
    return "Saved with no field changed."


def history_url(obj: Model) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])


def recent_changes_html(obj: Model | None, *, limit: int = RECENT_CHANGES_SHOWN) -> SafeString:
    """A small table of the object's latest changes (when, who, what) and a link to its full
    History page; a sentence when there is nothing yet."""
    if obj is None or obj.pk is None:
        return format_html("{}", "Not saved yet.")
    entries = recent_entries(obj, limit=limit)
    link = format_html('<a href="{}" class="recent-changes-history">Full history</a>', history_url(obj))
    if not entries:
        return format_html("<p>No change recorded in the back-office yet. {}</p>", link)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (timezone.localtime(entry.action_time).strftime("%Y-%m-%d %H:%M"), _who(entry), _what(entry))
            for entry in entries
        ),
    )
    return format_html(
        '<table class="recent-changes"><thead><tr><th>When</th><th>Who</th><th>What</th></tr></thead>'
        "<tbody>{}</tbody></table><p>{}</p>",
        rows,
        link,
    )


class AuditedAdminMixin:
    """Adds a readonly "Recent changes" field to a ModelAdmin's change form: list
    "recent_changes" in its readonly_fields (and fieldsets, if it declares any)."""

    @admin.display(description="Recent changes")
    def recent_changes(self, obj: Model | None) -> SafeString:
        return recent_changes_html(obj)
