from datetime import UTC, date, datetime

import pytest
import time_machine as time_machine_module
from django.test import Client
from django.utils import translation

from cashback import celery_app
from devices.models import Campaign, CampaignProduct, KnownDevice, ProductFamily, ProductModel
from registrations.companies.choices import Role
from registrations.companies.models import Company, Enrolment, Membership, User
from registrations.core.choices import Source
from registrations.core.registering import register_device

PASSWORD = "correct-horse-battery"

# The tests run "today" inside the campaign period unless a test travels in time.
TODAY = date(2026, 6, 15)


@pytest.fixture(scope="session", autouse=True)
def _private_task_queue(tmp_path_factory):
    """Tasks of the tests never land in the development queue under var/ (a running
    `make run` worker would take them)."""
    if celery_app.conf.broker_url.startswith("filesystem"):
        folder = str(tmp_path_factory.mktemp("broker"))
        celery_app.conf.broker_transport_options = {
            "data_folder_in": folder, "data_folder_out": folder, "control_folder": folder, "store_processed": False,
        }


@pytest.fixture(autouse=True)
def _test_environment(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    time_machine.move_to("2026-06-15 10:00 +02:00", tick=True)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def real_time(time_machine):
    """For a test with a second process (a worker, a command) on the test database: that process
    lives in the real now, so the test must too, or their moments disagree."""
    time_machine.move_to(datetime.fromtimestamp(time_machine_module.escape_hatch.time.time(), tz=UTC), tick=True)


def shared_database_url(settings):
    """The test database as a URL for a second process (PostgreSQL: SQLite's lives in memory)."""
    database = settings.DATABASES["default"]
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def broker_down():
    """The broker's port is closed (a real connection refused, not a patched call); the fixture
    hands back a function that brings the broker back (the tests' eager worker)."""
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options

    def connect_to(url, options):
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = url, options
        celery_app._pool = celery_app.amqp._producer_pool = None  # the connections made before

    def back():
        connect_to(*saved)
        celery_app.conf.task_always_eager = True

    celery_app.conf.task_always_eager = False
    connect_to("redis://127.0.0.1:9/0", {})
    yield back
    back()


@pytest.fixture
def client():
    """Pages in English unless a test asks for another language (the portal's default is Dutch)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def families(db):
    return {
        code: ProductFamily.objects.create(code=code, name=name, serial_length=10, transferred_from_portal=portal)
        for code, name, portal in [
            ("stp-se", "Sunny Tripower Smart Energy", True),
            ("shm", "Sunny Home Manager", True),
            ("core2", "Sunny Tripower CORE2", True),
            ("evc", "EV Charger Business", True),
            ("sb", "Sunny Boy", False),
        ]
    }


@pytest.fixture
def products(families):
    specs = [
        ("STP5.0-3SE-40", "stp-se"),
        ("STP10.0-3SE-40", "stp-se"),
        ("HM-20", "shm"),
        ("STP 110-60", "core2"),
        ("EVC22-3AC-10", "evc"),
        ("SB3.0-1AV-41", "sb"),
    ]
    return {code: ProductModel.objects.create(code=code, family=families[family]) for code, family in specs}


@pytest.fixture
def campaign(products):
    campaign = Campaign.objects.create(
        name="SMA Cashback 2026",
        slug="cashback-2026",
        installation_starts_on=date(2026, 1, 1),
        installation_ends_on=date(2026, 12, 31),
        registration_deadline=date(2027, 1, 31),
    )
    for code, amount in [
        ("STP5.0-3SE-40", 10000),
        ("STP10.0-3SE-40", 20000),
        ("HM-20", 5000),
        ("STP 110-60", 75000),
        ("EVC22-3AC-10", 15000),
    ]:
        CampaignProduct.objects.create(campaign=campaign, product=products[code], amount_cents=amount)
    return campaign


@pytest.fixture
def known(products):
    """Known serials: 1000000001..1000000099 are STP10.0-3SE-40, 2000000001.. HM-20, etc."""

    def make(serial, code="STP10.0-3SE-40"):
        return KnownDevice.objects.create(serial=serial, product=products[code])

    for n in range(1, 100):
        make(f"10000000{n:02d}", "STP10.0-3SE-40")
        make(f"20000000{n:02d}", "HM-20")
        make(f"30000000{n:02d}", "STP 110-60")
        make(f"40000000{n:02d}", "STP5.0-3SE-40")
        make(f"50000000{n:02d}", "SB3.0-1AV-41")
    return make


def make_company(campaign=None, *, name="Zonnewerk B.V.", customer_number="100200", email="admin@zonnewerk.example",
                 role=Role.ADMIN, country="NL", language="en"):
    # English unless a test says otherwise: a signed-in user sees their company's language.
    company = Company.objects.create(
        name=name, customer_number=customer_number, vat_number="NL004495445B01", country=country, language=language,
        street="Energieweg 1", postcode="3542 DR", city="Utrecht", contact_email=f"info@{customer_number}.example",
    )
    user = User.objects.create_user(email=email, password=PASSWORD, first_name="Sanne", last_name="de Vries")
    Membership.objects.create(user=user, company=company, role=role)
    if campaign:
        Enrolment.objects.create(company=company, campaign=campaign, accepted_by=user)
    return company


@pytest.fixture
def company(campaign, known):
    return make_company(campaign)


@pytest.fixture
def installer(company):
    return company.memberships.get().user


@pytest.fixture
def other_company(campaign, known):
    return make_company(campaign, name="Soleil SRL", customer_number="200300", email="luc@soleil.example", country="BE")


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="staff@example.com", password=PASSWORD)


@pytest.fixture
def installer_client(client, installer):
    client.force_login(installer)
    return client


@pytest.fixture
def staff_client(staff):
    """A client of its own, so a test can also use installer_client."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    return client


@pytest.fixture
def register(company, installer):
    """Register through the one service, with sensible defaults."""

    def _register(serial="1000000001", product_code="STP10.0-3SE-40", installed_on=date(2026, 5, 1), *,
                  company=company, user=installer, source=Source.WEB, postcode="3511 AB", country="NL",
                  reference=""):
        return register_device(
            company=company, serial=serial, product_code=product_code, installed_on=installed_on,
            postcode=postcode, country=country, source=source, user=user, reference=reference,
        )

    return _register


@pytest.fixture
def count_queries():
    """count_queries(callable) -> how many SQL statements the call ran."""
    from django.db import connection

    def count(call):
        statements = []

        def record(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            call()
        return len(statements)

    return count
