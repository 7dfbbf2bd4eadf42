"""Django admin for clinical records. Records are read-only here: changes go through the
services so amendments and the audit log are never bypassed."""

from __future__ import annotations

from django.contrib import admin

from scheduling.records.models import (
    AcupuncturePoint,
    CourseReview,
    PainReport,
    SessionRecord,
    SessionRecordAmendment,
    SessionRecordPoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AcupuncturePoint)
class AcupuncturePointAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "system", "meridian", "number"]
    list_filter = ["system", "meridian"]
    search_fields = ["code", "name"]


class SessionRecordPointInline(admin.TabularInline):
    model = SessionRecordPoint
    extra = 0
    can_delete = False
    readonly_fields = ["position", "point"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SessionRecordAmendmentInline(admin.TabularInline):
    model = SessionRecordAmendment
    extra = 0
    can_delete = False
    readonly_fields = [
        "amended_at",
        "amended_by",
        "reason",
        "pain_before",
        "pain_after",
        "point_codes",
        "notes",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SessionRecord)
class SessionRecordAdmin(ReadOnlyAdmin):
    list_display = ["appointment", "pain_before", "pain_after", "recorded_by", "recorded_at"]
    list_select_related = ["appointment", "recorded_by"]
    inlines = [SessionRecordPointInline, SessionRecordAmendmentInline]


@admin.register(PainReport)
class PainReportAdmin(ReadOnlyAdmin):
    list_display = ["patient", "score", "source", "reported_at", "entered_by"]
    list_filter = ["source"]
    list_select_related = ["patient", "entered_by"]


@admin.register(CourseReview)
class CourseReviewAdmin(ReadOnlyAdmin):
    list_display = ["course", "stage", "decision", "responder", "decided_by", "decided_at"]
    list_filter = ["stage", "decision", "responder"]
