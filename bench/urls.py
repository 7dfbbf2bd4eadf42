"""The project's URLs plus /bench/hello/, the yardstick bench/pages.py measures pages against."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from clinic.urls import urlpatterns as project_urlpatterns


@login_not_required
def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello), *project_urlpatterns]
