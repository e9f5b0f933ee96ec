from django.contrib import admin

from accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "display_name", "telegram_id", "email", "preferred_language", "is_staff", "created_at")
    list_filter = ("is_staff", "preferred_language", "fitness_level")
    search_fields = ("id", "display_name", "email", "guest_id")
    exclude = ("password",)
    readonly_fields = ("created_at", "updated_at", "last_active", "last_login")
