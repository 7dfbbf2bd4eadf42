"""Staff pages for finding, registering and editing patients."""

from __future__ import annotations

from django.contrib import messages
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from clinic.audit import audit_log, changed_fields_detail
from clinic.views import RoleRequiredMixin
from patients.forms import PatientForm, PatientSearchForm
from patients.models import Patient
from patients.selectors import patient_search

SEARCH_RESULTS = 50


class PatientList(RoleRequiredMixin, ListView):
    """All patients, a page at a time; a search is POSTed so that names typed into it stay out
    of URLs (and so out of access logs, browser history and Referer headers)."""

    template_name = "patients/patient_list.html"
    paginate_by = 25
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        self.search = PatientSearchForm(
            self.request.POST if self.request.method == "POST" else None
        )
        query = self.search.cleaned_data["q"] if self.search.is_valid() else ""
        self.query = query.strip()
        return patient_search(self.query)

    def post(self, request, *args, **kwargs):
        # Search results are one page of the best matches: paging would need the name in a URL.
        self.paginate_by = SEARCH_RESULTS
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.search, query=self.query, **kwargs)


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
