"""Production settings pass Django's deployment checks, and every page carries the security
headers (CSP without inline scripts, no framing, no sniffing)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        PRODUCTION="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clinic.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_SETTINGS_MODULE="clinic.settings",
    )
    env.pop("DEBUG", None)
    return env


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in output
    assert "?: (" not in output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    env.pop("SECRET_KEY")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client_as, receptionist):
    response = client_as(receptionist).get("/patients/")

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_login_page_has_no_inline_script(client):
    response = client.get("/login/")

    assert "<script>" not in response.text
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_the_api_docs_load_swagger_from_this_site_without_inline_script(client_as, receptionist):
    client = client_as(receptionist)
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert "cdn.jsdelivr.net" not in response.text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in response.text
    assert "<script>" not in response.text
    csp = response["Content-Security-Policy"]
    assert "'sha256-" in csp
    assert "unsafe-inline" not in csp
    script = client.get("/api/v1/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")


def test_production_refuses_to_start_twilio_without_its_auth_token(tmp_path):
    env = production_env(tmp_path)
    env.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_FROM_NUMBER="+15005550006")
    env.pop("TWILIO_AUTH_TOKEN", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "TWILIO_AUTH_TOKEN must be set" in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_checkout(target: Path) -> Path:
    """Copy the project's files as a fresh clone has them: no static files collected, no var/."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = BASE_DIR / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_production_starts_from_a_clean_checkout_the_documented_way(tmp_path):
    checkout = clean_checkout(tmp_path / "checkout")
    assert not (checkout / "staticfiles").exists()
    port = free_port()
    env = production_env(tmp_path)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["VAR_DIR"] = str(tmp_path / "var")
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable,
        "manage.py",
        "start_web",
        "--",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--no-control-socket",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=checkout, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    headers = {"Host": "clinic.example.com", "X-Forwarded-Proto": "https"}
    try:
        login = fetch_when_up(
            f"http://127.0.0.1:{port}/login/?next=/patients/%3Fq%3DLopez", headers
        )
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text).group(1)
        css = requests.get(f"http://127.0.0.1:{port}{stylesheet}", headers=headers, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()

    assert login.status_code == 200, output[-2000:]
    assert "Log in" in login.text
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), "not served from the manifest"
    assert css.status_code == 200
    assert '"GET /login/ HTTP/1.1" 200' in output
    assert "Lopez" not in output and "next=" not in output


def fetch_when_up(url: str, headers: dict, timeout: float = 120) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, headers=headers, timeout=10, allow_redirects=False)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
