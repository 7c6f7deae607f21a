"""A smoke run of the production stack, as docker-compose.yml describes it, on this machine.

No Docker engine runs here, so this is the compose file's twin: it reads the environment and
the commands of docker-compose.yml (and the Dockerfile's), points the services' host names at
this machine's PostgreSQL and Redis, and starts them directly: collectstatic, migrate, gunicorn
with DEBUG=0, a prefork Celery worker and beat; emails go to a real SMTP server on localhost
(aiosmtpd, into a Maildir). Then it walks the portal over HTTP as people would: sign up,
register a device that needs documents, the email arrives over SMTP with a working link, upload
a document, a reviewer approves, the installer is told, the health checks are green. It stops
everything it started, and exits non-zero at the first step that fails.

    .venv/bin/python .ci/smoke.py      (.ci/run calls it)
"""

import base64
import io
import mailbox
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import requests
import yaml
from django_otp.oath import TOTP
from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PORT, SMTP_PORT = 8010, 8025
SITE = f"http://127.0.0.1:{PORT}"
DATABASE = "cashback_smoke"


def an_invoice():
    """A real PDF of one page, as an installer's scanner makes them."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def step(text):
    print(f"--- {text}", flush=True)


def substitute(value, given):
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} with the values this run gives."""
    def one(match):
        name, operator, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in given:
            return given[name]
        if operator == ":?":
            raise SystemExit(f"docker-compose.yml needs {name}: {rest}")
        return rest if operator == ":-" else ""
    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, str(value))


def the_stack(var_dir):
    """The environment and the commands of docker-compose.yml, on this machine."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    given = {"SECRET_KEY": secrets.token_urlsafe(50), "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(SMTP_PORT),
             "EMAIL_USE_TLS": "0"}
    env = {name: substitute(value, given) for name, value in compose["x-app"]["environment"].items()}
    dockerfile = (ROOT / "Dockerfile").read_text()
    env.update(dict(re.findall(r"(\w+)=(\S+)", re.search(r"^ENV (.+)$", dockerfile, re.M).group(1))))
    # The compose services' host names and volumes, here.
    env["DATABASE_URL"] = env["DATABASE_URL"].replace("@db:5432/cashback", f"@127.0.0.1:5432/{DATABASE}")
    env["REDIS_URL"] = env["REDIS_URL"].replace("redis://redis:6379/0", "redis://127.0.0.1:6379/13")
    env["SITE_URL"] = env["SITE_URL"].replace("http://localhost:8000", SITE)
    env["VAR_DIR"] = str(var_dir)
    services = compose["services"]
    web = re.search(r'^CMD (\[.+\])$', dockerfile, re.M).group(1)
    commands = {
        "migrate": services["migrate"]["command"],
        "web": " ".join(yaml.safe_load(web)).replace("0.0.0.0:8000", f"127.0.0.1:{PORT}"),
        "worker": services["worker"]["command"],
        "beat": services["beat"]["command"].replace("/data/", f"{var_dir}/"),
        "collectstatic": re.search(r"^RUN DEBUG=0 SECRET_KEY=build (python manage.py collectstatic .+)$",
                                   dockerfile, re.M).group(1),
    }
    return {**os.environ, **env}, {name: f"{BIN}/{command}" for name, command in commands.items()}


def fresh_database():
    admin = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = 'cashback'")
        if not cursor.fetchone():
            cursor.execute("CREATE ROLE cashback LOGIN PASSWORD 'cashback'")
        cursor.execute(f'CREATE DATABASE "{DATABASE}" OWNER cashback')
    admin.close()


class Stack:
    def __init__(self, env, var_dir):
        self.env, self.var_dir, self.started = env, var_dir, []

    def run(self, command):
        result = subprocess.run(command.split(), cwd=ROOT, env=self.env, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"{command} failed:\n{result.stdout}\n{result.stderr}")

    def start(self, name, command):
        log = open(self.var_dir / f"{name}.log", "w")
        process = subprocess.Popen(command.split(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.started.append((name, process, log))
        return process

    def stop(self):
        for _name, process, _log in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process, log in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                print(f"{name} did not stop in 20 s: killed")
            log.close()

    def logs(self):
        for name, _process, _log in self.started:
            text = (self.var_dir / f"{name}.log").read_text()
            print(f"===== {name} (last lines) =====\n" + "\n".join(text.splitlines()[-30:]))


def until(what, check, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise SystemExit(f"gave up waiting {seconds} s for {what}")


def form_post(session, url, data, files=None, page=None):
    """Open the page with the form (`page`, else `url`) and send it, with its CSRF token."""
    shown = session.get(page or url)
    shown.raise_for_status()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown.text).group(1)
    return session.post(url, data={"csrfmiddlewaretoken": token, **data}, files=files)


def emails(maildir):
    return [message for _key, message in mailbox.Maildir(maildir, create=False).items()]


def body(message):
    part = message.get_payload()[0] if message.is_multipart() else message
    return part.get_payload(decode=True).decode()


def walk(env, maildir):
    step("health: green once web, cache, broker and storage answer")
    until("/health/", lambda: _get(f"{SITE}/health/").status_code == 200 or None, 60)
    assert requests.get(f"{SITE}/health/").json() == {"status": "ok"}

    step("sign up a company")
    installer = requests.Session()
    signed = form_post(installer, f"{SITE}/signup/", {
        "first_name": "Smoke", "last_name": "Test", "email": "smoke@installer.example",
        "password1": "a-long-smoke-pass-7", "password2": "a-long-smoke-pass-7",
        "name": "Smoke Solar B.V.", "customer_number": "900900", "vat_number": "NL100000009B01", "country": "NL",
        "street": "Zonweg 1", "postcode": "3511 AB", "city": "Utrecht", "contact_email": "office@installer.example",
        "accept_terms": "on",
    })
    assert signed.ok and "/company/bank/" in signed.url, (signed.url, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', signed.text))

    step("register a device that needs documents")
    registered = form_post(installer, f"{SITE}/registrations/new/", {
        "serial": "3050000399", "product": "STP 110-60", "installed_on": "2026-05-01", "postcode": "3511 AB",
        "country": "NL", "reference": "smoke",
    })
    done = re.search(r"\?last=(\d+)", registered.url)  # back to an empty form, the device above it
    assert registered.ok and done, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', registered.text)
    pk = done.group(1)
    assert "Meer informatie nodig" in installer.get(f"{SITE}/registrations/{pk}/").text

    step("the email asking for documents arrives over SMTP, with a working link")
    asked = until("the documents email", lambda: [m for m in emails(maildir) if "office@installer.example" in m["To"]])
    link = re.search(rf"{re.escape(SITE)}(/registrations/{pk}/documents/)", body(asked[0])).group(1)

    step("upload a document through the emailed link")
    uploaded = form_post(installer, f"{SITE}{link}", {"kind": "invoice"},
                         files={"files": ("factuur.pdf", an_invoice(), "application/pdf")})
    assert uploaded.ok and "/documents/" not in uploaded.url, re.findall(r'class="errorlist[^>]*>(.*?)</ul>',
                                                                        uploaded.text)

    step("a reviewer logs in, sets up the second factor with the key shown (an app would scan it), approves")
    reviewer = requests.Session()
    logged_in = form_post(reviewer, f"{SITE}/login/", {"username": "staff@example.com", "password": "demo-cashback"})
    assert logged_in.ok and "/staff/second-factor/" in logged_in.url, logged_in.url
    key = re.search(r'<span class="mono">([A-Z2-7 ]+)</span>', logged_in.text).group(1).replace(" ", "")
    app = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)))
    confirmed = form_post(reviewer, logged_in.url, {"token": f"{app.token():06d}", "next": "/staff/"})
    assert confirmed.ok and confirmed.url.endswith("/staff/"), confirmed.url
    assert f"/review/{pk}/" in reviewer.get(f"{SITE}/review/").text
    decided = form_post(reviewer, f"{SITE}/review/{pk}/decide/", {"decision": "approve", "note": ""},
                        page=f"{SITE}/review/{pk}/")
    assert decided.ok, decided.status_code
    assert "Registratie geslaagd" in installer.get(f"{SITE}/registrations/{pk}/").text

    step("the installer hears of the decision")
    until("the decision email", lambda: len([m for m in emails(maildir) if "office@installer.example" in m["To"]]) >= 2)

    step("the worker and beat are alive: the heartbeat job ran")
    until("/health/jobs/", lambda: _get(f"{SITE}/health/jobs/").status_code == 200 or None, 90)
    print("smoke run: all steps passed", flush=True)


def _get(url):
    try:
        return requests.get(url, timeout=5)
    except requests.ConnectionError:
        return requests.Response()


def main():
    var_dir = Path(tempfile.mkdtemp(prefix="cashback-smoke-"))
    maildir = var_dir / "mail"
    env, commands = the_stack(var_dir)
    stack = Stack(env, var_dir)
    ok = False
    try:
        step(f"the stack of docker-compose.yml here: PostgreSQL {DATABASE}, Redis db 13, {SITE}, SMTP :{SMTP_PORT}")
        fresh_database()
        stack.start("smtp", f"{BIN}/python -m aiosmtpd -n -l 127.0.0.1:{SMTP_PORT} -c aiosmtpd.handlers.Mailbox "
                            f"{maildir}")
        stack.run(commands["collectstatic"])
        stack.run(commands["migrate"])
        stack.run(f"{BIN}/python manage.py seed_demo")  # a campaign, its serial list, a reviewer
        for name in ("web", "worker", "beat"):
            stack.start(name, commands[name])
        walk(env, maildir)
        ok = True
    finally:
        stack.stop()
        if not ok:
            stack.logs()
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
