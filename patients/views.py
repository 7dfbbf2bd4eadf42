"""Staff pages for finding, registering and editing patients."""

from __future__ import annotations

from django.contrib import messages
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from clinic.audit import audit_log, changed_fields_detail
from clinic.views import RoleRequiredMixin
from patients.forms import PatientForm, PatientSearchForm
from patients.models import Patient
from patients.selectors import patient_search


class PatientList(RoleRequiredMixin, ListView):
    template_name = "patients/patient_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.search = PatientSearchForm(self.request.GET or None)
        query = self.search.cleaned_data["q"] if self.search.is_valid() else ""
        return patient_search(query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.search, **kwargs)


class PatientCreate(RoleRequiredMixin, CreateView):
    model = Patient
    form_class = PatientForm
    template_name = "patients/patient_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(user=self.request.user, action="create", obj=self.object, request=self.request)
        messages.success(self.request, f"{self.object} registered.")
        return response

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()


class PatientUpdate(RoleRequiredMixin, UpdateView):
    model = Patient
    form_class = PatientForm
    template_name = "patients/patient_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(
            user=self.request.user,
            action="change",
            obj=self.object,
            request=self.request,
            detail=changed_fields_detail(form.changed_data),
        )
        messages.success(self.request, "Patient details saved.")
        return response

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()


class PatientDetail(RoleRequiredMixin, DetailView):
    # The courses table shows each course's first session.
    queryset = Patient.objects.prefetch_related("courses__practitioner", "courses__appointments")
    template_name = "patients/patient_detail.html"

    def get_object(self, queryset=None):
        patient = super().get_object(queryset)
        audit_log(user=self.request.user, action="view", obj=patient, request=self.request)
        return patient
