"""Ready for production as the README documents it: the deploy check clean, a Content-Security-
Policy on every page, logins guarded against guessing, health checks, searchable logs."""

import json
import logging
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pythonjsonlogger.json import JsonFormatter

from cashback import health, logs, tasks
from registrations.api.services import create_token
from registrations.companies.models import User
from registrations.companies.services import invite_colleague
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

# The production settings of README.md § Running in production.
PRODUCTION = {
    "DEBUG": "0", "SECRET_KEY": "p9Q-t7s!Vw2kZr4Xy8Lm3Nb6Hc1Jd5Fg0Ae+Rq%Uo*Ii=Ku#Tz@Ys", "ALLOWED_HOSTS": "cashback.example.com",
    "SITE_URL": "https://cashback.example.com", "CSRF_TRUSTED_ORIGINS": "https://cashback.example.com",
    "BEHIND_TLS_PROXY": "1", "SUNNY_PORTAL_URL": "https://sunny.example.com", "ENNEXOS_URL": "https://ennexos.example.com",
    "PAYOUT_DEBTOR_IBAN": "NL91ABNA0417164300", "PAYOUT_DEBTOR_BIC": "ABNANL2A",
}


def the_environment_without_the_tests():
    """This process's environment less what the test run adds (its databases; the browser tests'
    permission to call the ORM from Playwright's event loop, which the deploy check refuses)."""
    return {key: value for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}


def test_the_deploy_check_is_clean_with_the_documented_production_settings():
    env = the_environment_without_the_tests()
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env={**env, **PRODUCTION}, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Content-Security-Policy ------------------------------------------------------------------------


def test_every_page_forbids_inline_script_and_documents_are_sandboxed(installer_client, client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in installer_client.get("/").headers["Content-Security-Policy"]


def test_the_api_docs_load_their_script_from_a_file_not_inline(client, db):
    response = client.get("/api/v1/docs/")
    assert not re.search(r"<script>(?!\s*</script>)", response.content.decode())  # every script has a src
    policy = response["Content-Security-Policy"]
    # Swagger UI styles itself inline as it draws: allowed on this page only, scripts still not.
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy + ";"
    assert "unsafe-inline" not in client.get("/login/")["Content-Security-Policy"]


# Logins guarded -------------------------------------------------------------------------------


def log_in(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def test_too_many_failed_logins_lock_the_account_for_a_while_with_the_way_back(installer, time_machine):
    guesser = Client(HTTP_ACCEPT_LANGUAGE="nl")
    for _ in range(4):
        assert log_in(guesser, installer.email, "wrong-guess").status_code == 200  # the form again
    assert log_in(guesser, installer.email, "wrong-guess").status_code == 429  # the fifth
    locked = log_in(guesser, installer.email, PASSWORD)  # even the right password now
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'lang="nl"' in page and "15 minuten" in page and 'href="/password_reset/"' in page

    time_machine.shift(timedelta(minutes=16))
    assert log_in(Client(), installer.email, PASSWORD).status_code == 302


def test_an_address_guessing_many_accounts_is_locked_out_too(installer, db):
    guesser = Client()
    for n in range(5):
        log_in(guesser, f"someone{n}@example.com", "guess")
    assert log_in(guesser, installer.email, PASSWORD).status_code == 429


def test_a_new_password_by_email_lifts_the_lockout(installer, client, django_capture_on_commit_callbacks):
    for _ in range(6):
        log_in(client, installer.email, "wrong-guess")
    assert log_in(client, installer.email, PASSWORD).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password_reset/", {"email": installer.email})
    link = re.search(r"http://127\.0\.0\.1:8000(/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "a-new-long-pass-7", "new_password2": "a-new-long-pass-7"})
    assert log_in(client, installer.email, "a-new-long-pass-7").status_code == 302


# Health ---------------------------------------------------------------------------------------


def test_the_health_check_is_green_when_everything_answers_and_says_nothing_more(client, db):
    response = client.get("/health/", secure=False)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_is_red_without_the_broker_and_does_not_say_why(client, db, broker_down, caplog):
    response = client.get("/health/")
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
    assert "broker" in caplog.text  # the log says which


def test_the_worker_and_beat_are_alive_while_the_heartbeat_job_runs(client, db, time_machine, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "heartbeat"}}
    assert client.get("/health/jobs/").status_code == 503  # never ran
    tasks.heartbeat.delay()
    assert client.get("/health/jobs/").json() == {"status": "ok"}
    time_machine.shift(timedelta(minutes=3))
    assert client.get("/health/jobs/").status_code == 503  # stale: beat or the workers stopped


def test_the_heartbeat_is_on_beats_schedule(settings):
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.heartbeat.name]
    assert entry["schedule"] < settings.HEARTBEAT_STALE_SECONDS / 2
    assert health.HEARTBEAT_KEY


# Logs ---------------------------------------------------------------------------------------


def test_one_log_line_per_request_with_its_id_who_and_how_long_never_the_password(installer, caplog):
    client = Client()
    with caplog.at_level(logging.INFO, logger="cashback.request"):
        response = client.post("/login/", {"username": installer.email, "password": PASSWORD},
                               HTTP_X_REQUEST_ID="from-the-proxy-123")
        client.get("/")
    assert response["X-Request-ID"] == "from-the-proxy-123"
    login, page = [r for r in caplog.records if r.name == "cashback.request"]
    assert (login.request_id, login.method, login.path, login.status) == ("from-the-proxy-123", "POST", "/login/", 302)
    assert page.user_id == installer.pk and page.status == 200 and page.duration_ms > 0
    assert len(page.request_id) == 32  # made here when no proxy sends one
    assert PASSWORD not in caplog.text


def test_the_keys_in_links_stay_out_of_the_log(installer, caplog):
    invitation = invite_colleague(company=installer.membership.company, email="new@example.com", invited_by=installer)
    token = invitation.token
    with caplog.at_level(logging.INFO, logger="cashback.request"):
        Client().get(f"/invitation/{token}/")
    [line] = [r for r in caplog.records if r.name == "cashback.request"]
    assert line.path == "/invitation/…/" and token not in caplog.text


def test_api_requests_log_the_token_not_its_secret(company, installer, caplog):
    token, secret = create_token(company=company, user=installer, name="ERP")
    with caplog.at_level(logging.INFO, logger="cashback.request"):
        Client().get("/api/v1/registrations/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    [line] = [r for r in caplog.records if r.name == "cashback.request"]
    assert line.token_id == token.pk and line.status == 200 and secret not in caplog.text


def test_log_lines_are_json_for_a_log_service(installer):
    settings = django_settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(settings["fmt"], timestamp=settings["timestamp"])
    record = logging.LogRecord("cashback.request", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.request_id, record.user_id = "abc", installer.pk
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "abc" and line["user_id"] == installer.pk and line["levelname"] == "INFO"


def test_a_job_logs_its_name_ids_outcome_and_duration(caplog, db):
    with caplog.at_level(logging.INFO, logger="cashback.job"):
        tasks.heartbeat.delay()
    [line] = [r for r in caplog.records if r.name == "cashback.job"]
    assert (line.task, line.outcome) == ("cashback.tasks.heartbeat", "SUCCESS") and line.duration_ms >= 0
    assert logs.jobs.name == "cashback.job"


def test_errors_go_to_sentry_only_when_a_dsn_is_set():
    assert not sentry_sdk.get_client().is_active()
    env = the_environment_without_the_tests()
    script = ("import django, sentry_sdk; django.setup(); "
              "print(sentry_sdk.get_client().is_active(), sentry_sdk.get_client().options['send_default_pii'])")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env={
        **env, "DJANGO_SETTINGS_MODULE": "cashback.settings", "SENTRY_DSN": "https://key@sentry.example.com/1"})
    assert result.stdout.split() == ["True", "False"], result.stderr


@pytest.mark.parametrize("value", ["yaml", "JSON "])
def test_an_unknown_log_format_is_refused(value):
    env = the_environment_without_the_tests()
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                            env={**env, "LOG_FORMAT": value})
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr


def test_staff_logins_are_guarded_too(db):
    staff = User.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    guesser = Client()
    for _ in range(5):
        log_in(guesser, staff.email, "wrong")
    assert log_in(guesser, staff.email, PASSWORD).status_code == 429
    admin_login = Client().post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert admin_login.status_code == 429  # the admin's login form is the same door


# The second factor of campaign staff ------------------------------------------------------------


def current_code(user):
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()  # the frozen clock of the test, as the device's check uses it
    return f"{totp.token():06d}"


def test_staff_set_up_and_then_confirm_every_login_with_an_app_code(settings, db, installer_client, time_machine):
    settings.STAFF_SECOND_FACTOR = True
    staff = User.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert log_in(client, staff.email, PASSWORD).status_code == 302
    setup = client.get("/staff/", follow=True)
    assert setup.redirect_chain[-1][0] == "/staff/second-factor/?next=%2Fstaff%2F"
    page = setup.content.decode()
    assert "Configurez votre application d'authentification" in page and "data:image/svg+xml;base64," in page
    assert client.get("/admin/").status_code == 302  # the admin too
    wrong = client.post("/staff/second-factor/", {"token": "000000", "next": "/staff/"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    time_machine.shift(timedelta(seconds=5))  # a wrong code makes the next wait a moment (django-otp)
    confirmed = client.post("/staff/second-factor/", {"token": current_code(staff), "next": "/staff/"})
    assert confirmed.status_code == 302 and confirmed.url == "/staff/"
    assert client.get("/staff/").status_code == 200 and client.get("/admin/").status_code == 200

    time_machine.shift(timedelta(minutes=2))
    again = Client()
    log_in(again, staff.email, PASSWORD)
    ask = again.get("/staff/", follow=True).content.decode()
    assert "Bevestig uw login" in ask and "data:image" not in ask  # the app is set up: only the code
    assert again.post("/staff/second-factor/", {"token": current_code(staff), "next": "/"}).status_code == 302
    assert installer_client.get("/").status_code == 200  # installers need no second factor


def test_the_second_factor_page_never_sends_anyone_elsewhere(settings, db):
    settings.STAFF_SECOND_FACTOR = True
    staff = User.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    client = Client()
    log_in(client, staff.email, PASSWORD)
    client.get("/staff/second-factor/")
    answer = client.post("/staff/second-factor/?next=https://evil.example/", {"token": current_code(staff)})
    assert answer.status_code == 302 and answer.url == "/"
