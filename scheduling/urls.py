from __future__ import annotations

from django.urls import path

from scheduling import calendar_views, views

urlpatterns = [
    path("courses/new/", views.course_new, name="course-new"),
    path("courses/<int:pk>/", views.course_detail, name="course-detail"),
    path("courses/<int:pk>/cancel/", views.course_cancel, name="course-cancel"),
    path(
        "courses/<int:pk>/red-flag-review/",
        views.course_red_flag_review,
        name="course-red-flag-review",
    ),
    *[
        path(
            f"appointments/<int:pk>/{action}/",
            views.appointment_action,
            {"action": action},
            name=f"appointment-{action}",
        )
        for action in ("move", "cancel", "check-in", "no-show", "makeup")
    ],
    path("calendar/", calendar_views.calendar_week, name="calendar-week"),
    path("calendar/day/", calendar_views.calendar_day, name="calendar-day"),
    path("attention/", views.attention, name="attention"),
]
