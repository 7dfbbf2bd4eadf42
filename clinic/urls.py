from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from clinic import api as clinic_api
from clinic import security_views, views
from clinic.health import healthz
from patients import api as patients_api
from patients import views as patient_views
from scheduling import api as scheduling_api
from scheduling.records import api as records_api
from scheduling.records import urls as records_urls
from scheduling.reminders import urls as reminders_urls
from scheduling.waitlist import api as waitlist_api
from scheduling.waitlist import urls as waitlist_urls

router = SimpleRouter(use_regex_path=False)
router.register("practitioners", clinic_api.PractitionerViewSet)
router.register("rooms", clinic_api.RoomViewSet)
router.register("closures", clinic_api.ClosureViewSet)
router.register("time-off", clinic_api.TimeOffViewSet)
router.register("patients", patients_api.PatientViewSet, basename="patient")
# The records app's course viewset: the booking API's courses plus their pain progress.
router.register("courses", records_api.CourseViewSet, basename="course")
router.register("appointments", scheduling_api.AppointmentViewSet, basename="appointment")
router.register("waitlist", waitlist_api.WaitlistViewSet, basename="waitlist")

api_urlpatterns = [
    *records_urls.api_urlpatterns,
    *reminders_urls.api_urlpatterns,
    # The token view asks managers for their TOTP code too (see clinic.security).
    path("auth/token/", security_views.TwoFactorObtainToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI served from this site, with no inline script, so the CSP can stay strict.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]

urlpatterns = [
    path("", include("clinic.security_urls")),
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_urlpatterns)),
    path("setup/", views.SetupView.as_view(), name="setup"),
    path("setup/clinic/", views.clinic_edit, name="clinic-edit"),
    path("setup/practitioners/new/", views.practitioner_edit, name="practitioner-create"),
    path("setup/practitioners/<int:pk>/", views.practitioner_edit, name="practitioner-edit"),
    path("setup/rooms/new/", views.RoomCreate.as_view(), name="room-create"),
    path("setup/rooms/<int:pk>/", views.RoomUpdate.as_view(), name="room-edit"),
    path("setup/closures/new/", views.ClosureCreate.as_view(), name="closure-create"),
    path("setup/time-off/new/", views.TimeOffCreate.as_view(), name="time-off-create"),
    path("", include("scheduling.urls")),
    path("", include(records_urls.urlpatterns)),
    path("", include(reminders_urls.urlpatterns)),
    path("", include(waitlist_urls.urlpatterns)),
    path("patients/", patient_views.PatientList.as_view(), name="patient-list"),
    path("patients/new/", patient_views.PatientCreate.as_view(), name="patient-create"),
    path("patients/<int:pk>/", patient_views.PatientDetail.as_view(), name="patient-detail"),
    path("patients/<int:pk>/edit/", patient_views.PatientUpdate.as_view(), name="patient-edit"),
]
