"""Start the web server in production: migrate, collect static files, then run gunicorn.

Every page names its static files through whitenoise's manifest, so without `collectstatic`
each page is an error; this command runs both steps before handing the process over to
gunicorn with the clinic's settings (`clinic/gunicorn.py`: an access log without query strings).
Arguments after `--` go to gunicorn: `python manage.py start_web -- --bind 0.0.0.0:8000`.
"""

from __future__ import annotations

import os
import shutil
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Migrate, collect static files, then replace this process with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("gunicorn_args", nargs="*", help="passed on to gunicorn")

    def handle(self, *args, gunicorn_args, **options):
        call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn") or os.path.join(
            os.path.dirname(sys.executable), "gunicorn"
        )
        if not os.path.exists(gunicorn):
            raise CommandError("gunicorn is not installed: pip install -r requirements.txt")
        command = [gunicorn, "--config", "python:clinic.gunicorn", "clinic.wsgi", *gunicorn_args]
        sys.stdout.flush()
        os.execv(gunicorn, command)
