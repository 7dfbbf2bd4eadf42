from __future__ import annotations

from django.contrib import admin

from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "date_of_birth",
        "phone",
        "email",
        "preferred_channel",
    ]
    search_fields = ["last_name", "first_name", "phone", "email"]
    list_filter = ["preferred_channel"]
    readonly_fields = ["public_id", "created_at"]
