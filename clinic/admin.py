from __future__ import annotations

from django.contrib import admin
from knox.models import AuthToken

from clinic.models import (
    ApiToken,
    Clinic,
    Closure,
    OpeningHours,
    Practitioner,
    Room,
    TimeOff,
    WorkingHours,
)
from scheduling.services import availability


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "timezone"]
    inlines = [OpeningHoursInline]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "user", "active"]
    list_filter = ["active"]
    search_fields = ["name", "email"]
    inlines = [WorkingHoursInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]

    # Through the service, so the time a change frees is announced.
    def save_model(self, request, obj, form, change):
        availability.time_off_save(time_off=obj)

    def delete_model(self, request, obj):
        availability.time_off_delete(time_off=obj)

    def delete_queryset(self, request, queryset):
        for time_off in queryset:
            availability.time_off_delete(time_off=time_off)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["start_date", "end_date", "reason"]

    def save_model(self, request, obj, form, change):
        availability.closure_save(closure=obj)

    def delete_model(self, request, obj):
        availability.closure_delete(closure=obj)

    def delete_queryset(self, request, queryset):
        for closure in queryset:
            availability.closure_delete(closure=closure)


admin.site.register(OpeningHours)
admin.site.register(WorkingHours)


# knox registers its own token model, which this project swaps for ApiToken.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens, for the manager to see who holds one and revoke it (delete). New tokens come
    from the token endpoint only: the token text is shown to its owner once."""

    list_display = ["user", "created", "expiry", "two_factor"]
    list_filter = ["two_factor"]
    list_select_related = ["user"]
    fields = ["user", "created", "expiry", "two_factor"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
