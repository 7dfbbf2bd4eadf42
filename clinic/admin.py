from __future__ import annotations

from django.contrib import admin

from clinic.models import Clinic, Closure, OpeningHours, Practitioner, Room, TimeOff, WorkingHours


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


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["start_date", "end_date", "reason"]


admin.site.register(OpeningHours)
admin.site.register(WorkingHours)
