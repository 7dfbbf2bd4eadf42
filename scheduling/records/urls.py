from __future__ import annotations

from django.urls import path

from scheduling.records import api, views

urlpatterns = [
    path("today/", views.today, name="today"),
    path("sessions/<int:pk>/record/", views.session_record, name="session-record"),
    path("courses/<int:pk>/progress/", views.course_progress, name="course-progress"),
    path("courses/<int:pk>/review/", views.course_review, name="course-review"),
    path("courses/<int:pk>/pain-reports/", views.pain_report_add, name="pain-report-add"),
    path(
        "courses/<int:pk>/questionnaires/",
        views.questionnaire_add,
        name="questionnaire-add",
    ),
    path("records/points/", views.point_search, name="point-search"),
    path("reports/outcomes/", views.outcomes_report, name="outcomes-report"),
    path("reports/outcomes.csv", views.outcomes_report_csv, name="outcomes-report-csv"),
]

# Mounted under /api/v1/ by clinic/urls.py.
api_urlpatterns = [
    path(
        "appointments/<int:pk>/record/",
        api.SessionRecordAPIView.as_view(),
        name="api-appointment-record",
    ),
    path(
        "courses/<int:pk>/questionnaires/",
        api.CourseQuestionnairesAPIView.as_view(),
        name="api-course-questionnaires",
    ),
]
