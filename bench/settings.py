"""Settings for bench/pages.py: the project's own, with a hello-world view mounted beside it.

Only the benchmark's gunicorn uses this module (DJANGO_SETTINGS_MODULE=bench.settings); the
project never imports it, so production has no such view.
"""

from __future__ import annotations

from clinic.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
