"""Small pieces the back-office's admins share: view-only pages and links to other admin pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString


class ReadOnlyAdminMixin:
    """Staff may look, never add, change or delete: for a ModelAdmin or an inline whose rows
    change only through the app's services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def admin_link(viewname: str, object_id: Any, text: Any) -> SafeString | str:
    """A link to an object's admin page, or the bare text where that model has no admin."""
    try:
        url = reverse(viewname, args=[object_id])
    except NoReverseMatch:
        return str(text)
    return format_html('<a href="{}">{}</a>', url, text)
