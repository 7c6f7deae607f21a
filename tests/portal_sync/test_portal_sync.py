"""The daily sync from the monitoring portals: the real client over HTTP against the stand-in."""

import re
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from devices.models import CampaignProduct
from portal_sync import services, tasks
from portal_sync.checks import portal_urls_are_https
from portal_sync.client import PortalClient, PortalConfig, PortalError, make_retry
from portal_sync.models import PortalDevice, SyncLock, SyncRun, Transfer
from portal_sync.standin import start_in_thread
from registrations.companies.models import Enrolment
from registrations.core.choices import Reason, Source, Status, SystemJob
from registrations.core.models import Registration
from tests.conftest import make_company

from .portal_feed import device, feed, plant, profile

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(scope="module")
def server():
    server = start_in_thread(feed())
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def standin(server, settings):
    """The stand-in with empty data and no faults; tests load their own data."""
    server.portal.reset()  # stops any delay a slow-portal test left ...
    server.portal.wait_idle()  # ... and lets its last calls finish before this test counts calls
    server.portal.reset()
    server.portal.load(feed())
    settings.PORTALS = [
        {"name": "sunny_portal", "base_url": f"{server.url}/sunny-portal", "client_id": "demo-sp",
         "client_secret": "demo-sp-secret"},
        {"name": "ennexos", "base_url": f"{server.url}/ennexos", "client_id": "demo-ennexos",
         "client_secret": "demo-ennexos-secret"},
    ]
    settings.PORTAL_RETRY = {"attempts": 3, "backoff": 0.01, "backoff_max": 0.05, "jitter": 0.01}
    settings.PORTAL_TIMEOUT = (2.0, 2.0)
    settings.PORTAL_SYNC_FETCH_THREADS = 2
    return server.portal


def calls(standin, path_part):
    return [c for c in standin.calls if path_part in c[1]]


def test_eligible_devices_are_registered_from_both_portals(standin, company, installer):
    standin.load(feed(
        sunny_portal=[profile("100200", plant(device("1000000001"), device("2000000001", "HM-20")))],
        ennexos=[profile("100 200", plant(device("3000000001", "STP 110-60"), name="Distributiecentrum",
                                          postcode="3542dr"))],
    ))
    run = services.sync()
    assert (run.state, run.companies, run.devices_seen, run.registered) == (SyncRun.State.SUCCEEDED, 1, 3, 3)
    registrations = {r.serial: r for r in Registration.objects.all()}
    first = registrations["1000000001"]
    assert (first.source, first.status, first.company, first.created_by) == (
        Source.PORTAL, Status.ACCEPTED, company, None
    )
    assert first.installed_on == date(2026, 5, 1)  # 30 April 22:30 UTC is 1 May in Amsterdam
    assert (first.postcode, first.country, first.reference) == ("3511 AB", "NL", "Fam. Jansen")
    assert first.history.get().job == SystemJob.PORTAL_SYNC
    assert registrations["3000000001"].postcode == "3542 DR"
    devices = {d.serial: d for d in PortalDevice.objects.all()}
    assert devices["3000000001"].portal == "ennexos" and devices["1000000001"].registration == first


def test_the_retroactivity_edge_is_the_exact_second(standin, company, installer_client):
    standin.load(feed(sunny_portal=[profile("100200", plant(
        device("1000000001", data="2026-03-01T08:00:00Z"),  # the very second the number was entered
        device("1000000002", data="2026-03-01T07:59:59Z"),  # one second before
    ), entered="2026-03-01T08:00:00Z")]))
    run = services.sync()
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000001"]
    assert run.skipped == {Transfer.PREDATES: 1}
    before = PortalDevice.objects.get(serial="1000000002")
    assert before.transfer == Transfer.PREDATES and before.registration is None
    page = installer_client.get("/portal-devices/?show=not_transferred").content.decode()
    assert "1000000002" in page and "Not transferred: predates the customer number" in page
    assert "before your customer number was entered on the portal profile" in page
    assert "1000000001" not in page


def test_a_sighting_after_the_number_counts_even_if_another_profile_predates_it(standin, company):
    early = profile("100200", plant(device("1000000001", data="2026-02-01T00:00:00Z")), entered="2026-03-01T00:00:00Z")
    later = profile("100200", plant(device("1000000001", data="2026-04-01T00:00:00Z")), entered="2026-03-15T00:00:00Z")
    standin.load(feed(sunny_portal=[early], ennexos=[later]))
    services.sync()
    assert Registration.objects.get().serial == "1000000001"
    assert PortalDevice.objects.get().portal == "ennexos"


def test_only_profiles_with_an_enrolled_companys_number_count(standin, company, campaign):
    unenrolled = make_company(name="Niet Ingeschreven B.V.", customer_number="300400", email="x@example.com")
    standin.load(feed(sunny_portal=[
        profile("999999", plant(device("1000000001"))),  # no company has this number
        profile("300400", plant(device("1000000002"))),  # a company that is not enrolled
        profile("100200", plant(device("1000000003"))),
    ]))
    run = services.sync()
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000003"]
    assert run.companies == 1
    assert not calls(standin, "/300400/") and not calls(standin, "/999999/")
    assert not PortalDevice.objects.filter(company=unenrolled).exists()
    with pytest.raises(CommandError, match="nothing was synchronised"):
        call_command("sync_sunny_portal", "--customer-number", "300400")
    assert Enrolment.objects.filter(company=unenrolled).count() == 0


def test_a_profile_with_another_number_in_the_answer_is_ignored(standin, company):
    misfiled = profile("555555", plant(device("1000000001")))
    standin.profiles["sunny_portal"]["100200"] = [misfiled, profile("100200", plant(device("1000000002")))]
    services.sync()
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000002"]


def test_a_device_in_both_portals_is_registered_once(standin, company):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))],
                      ennexos=[profile("100200", plant(device("1000000001")))]))
    run = services.sync()
    assert run.devices_seen == 1 and run.registered == 1
    assert Registration.objects.count() == 1 and PortalDevice.objects.count() == 1


def test_a_serial_registered_through_the_web_is_not_registered_again(standin, company, register):
    by_hand = register("1000000001")
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"), device("1000000002")))]))
    run = services.sync()
    assert run.registered == 1 and run.skipped == {Transfer.ALREADY_REGISTERED: 1}
    assert Registration.objects.count() == 2
    by_hand.refresh_from_db()
    assert by_hand.source == Source.WEB and by_hand.history.count() == 1
    assert PortalDevice.objects.get(serial="1000000001").registration == by_hand


def test_what_does_not_meet_the_conditions_is_listed_not_registered(standin, company, installer_client):
    standin.load(feed(sunny_portal=[profile("100200", plant(
        device("5000000001", "SB3.0-1AV-41"),  # Sunny Boy: not transferred automatically
        device("6000000001", "XYZ-1"),  # not in the catalogue
        device("4000000001", "STP10.0-3SE-40"),  # the maker knows it as an STP5.0: refused by the rules
        device("7777777777"),  # not in the maker's list
    ))]))
    run = services.sync()
    assert run.registered == 0
    assert not Registration.objects.exists()
    assert run.skipped == {Transfer.FAMILY_NOT_TRANSFERRED: 1, Transfer.UNKNOWN_PRODUCT: 1, Transfer.NOT_ELIGIBLE: 2}
    assert PortalDevice.objects.get(serial="4000000001").reason == Reason.MODEL_MISMATCH
    page = installer_client.get("/portal-devices/").content.decode()
    assert "Devices of Sunny Boy are not transferred automatically." in page
    assert "Product type “XYZ-1” is not in the campaign" in page.replace("&#x27;", "'")
    assert "Serial number belongs to another model" in page


def test_more_information_needed_from_the_portal_sends_the_same_email(standin, company, campaign,
                                                                      django_capture_on_commit_callbacks):
    company.language = "en"
    company.save()
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    with django_capture_on_commit_callbacks(execute=True):
        services.sync()
    assert Registration.objects.get().status == Status.MORE_INFO
    [message] = mail.outbox
    assert message.subject == "More information needed for STP10.0-3SE-40 1000000001"


def test_a_second_run_registers_and_writes_nothing(standin, company, register):
    register("1000000009")
    standin.load(feed(sunny_portal=[profile("100200", plant(
        device("1000000001"), device("1000000002"), device("1000000009"), device("5000000001", "SB3.0-1AV-41"),
        device("1000000003", data="2026-01-01T00:00:00Z"),
        device("4000000001"),  # refused by the rules: decided again every night, still no write
        device("1000000004", data="yesterday"),  # incomplete data
    ))]))
    services.sync()
    snapshot = list(Registration.objects.values_list("serial", "status", "status_changed_at"))
    writes = []

    def record(execute, sql, params, many, context):
        verb = sql.lstrip().split(" ", 1)[0].upper()
        bookkeeping = ("portal_sync_sync", "portal_sync_companysyncstate")  # the run, its lock, "last synchronised"
        if verb in ("INSERT", "UPDATE", "DELETE") and not any(table in sql for table in bookkeeping):
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run = services.sync()
    assert writes == []
    assert (run.registered, run.unchanged, run.devices_seen) == (0, 7, 7)
    assert sum(run.skipped.values()) == 7
    assert list(Registration.objects.values_list("serial", "status", "status_changed_at")) == snapshot


def test_a_refused_device_is_registered_once_the_maker_lists_it(standin, company, known):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("7777777777")))]))
    services.sync()
    assert PortalDevice.objects.get().transfer == Transfer.NOT_ELIGIBLE
    known("7777777777")
    run = services.sync()
    assert run.registered == 1
    assert PortalDevice.objects.get().transfer == Transfer.REGISTERED


# Failures ----------------------------------------------------------------------------------


def test_a_portal_that_is_down_is_recorded_and_the_other_goes_on(standin, company, other_company, campaign,
                                                                  settings):
    settings.PORTAL_SYNC_FETCH_THREADS = 1  # companies asked in order
    third = make_company(campaign, name="Derde B.V.", customer_number="400500", email="d@example.com")
    fourth = make_company(campaign, name="Vierde B.V.", customer_number="500600", email="v@example.com")
    standin.load(feed(
        sunny_portal=[profile(n, plant(device(s))) for n, s in
                      [("100200", "1000000001"), ("200300", "1000000002"), ("400500", "1000000003"),
                       ("500600", "1000000004")]],
        ennexos=[profile("100200", plant(device("2000000001", "HM-20")))],
    ))
    standin.faults.down = {"ennexos"}
    run = services.sync()
    assert run.state == SyncRun.State.PARTIAL
    assert Registration.objects.count() == 4  # every company's Sunny Portal devices
    messages = [(e["portal"], e["message"]) for e in run.errors]
    assert [m for p, m in messages if p == "ennexos" and "503" in m] == ["no access token (HTTP 503)"] * 3
    # After three companies without an answer the portal is left alone for the rest of the run.
    assert ("ennexos", "the portal did not answer; 1 companies were not asked") in messages
    assert third.portal_devices.count() == 1 and fourth.portal_devices.count() == 1


def test_one_companys_error_is_recorded_and_the_others_are_synchronised(standin, company, other_company):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"))),
                                    profile("200300", plant(device("1000000002")))]))
    standin.faults.fail_customers = {"100200"}
    run = services.sync()
    assert run.state == SyncRun.State.PARTIAL
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000002"]
    assert {(e["portal"], e["customer_number"]) for e in run.errors} == {("sunny_portal", "100200"),
                                                                         ("ennexos", "100200")}
    assert "HTTP 500" in run.errors[0]["message"]


def test_an_expired_token_is_replaced_and_the_call_repeated(standin, company, other_company, settings):
    settings.PORTAL_SYNC_FETCH_THREADS = 1
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"))),
                                    profile("200300", plant(device("1000000002")))]))
    standin.faults.token_ttl = 0.3  # the portal drops tokens long before the hour they promise
    client = PortalClient(PortalConfig("sunny_portal", f"{settings.PORTALS[0]['base_url']}", "demo-sp",
                                       "demo-sp-secret"))
    assert len(client.sightings("100200")) == 1
    time.sleep(0.4)
    assert len(client.sightings("200300")) == 1
    tokens = calls(standin, "/sunny-portal/oauth2/token")
    assert len(tokens) == 2
    assert [c[2] for c in calls(standin, "/200300/")] == [401, 200]


def test_a_token_is_reused_until_it_expires(standin, company, other_company, settings):
    settings.PORTAL_SYNC_FETCH_THREADS = 1
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"))),
                                    profile("200300", plant(device("1000000002")))]))
    services.sync()
    assert len(calls(standin, "/sunny-portal/oauth2/token")) == 1
    assert len(calls(standin, "/sunny-portal/v1/")) == 2


def test_wrong_credentials_are_an_error_for_the_run(standin, company, settings):
    settings.PORTALS = [{**settings.PORTALS[0], "client_secret": "wrong"}]
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    run = services.sync()
    assert run.state == SyncRun.State.PARTIAL
    assert "no access token" in run.errors[0]["message"]


def test_429_is_retried_with_backoff(standin, company, settings):
    settings.PORTAL_SYNC_FETCH_THREADS = 1
    settings.PORTAL_RETRY = {"attempts": 4, "backoff": 0.05, "backoff_max": 0.3, "jitter": 0.0}
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    standin.faults.throttle_first = 2
    standin.faults.retry_after = 60  # honoured only up to the backoff cap
    started = time.monotonic()
    run = services.sync()
    elapsed = time.monotonic() - started
    assert run.state == SyncRun.State.SUCCEEDED and Registration.objects.count() == 1
    assert [c[2] for c in calls(standin, "/sunny-portal/v1/")] == [429, 429, 200]
    assert 0.5 <= elapsed < 10  # two waits of the capped 0.3 s, not two minutes


def test_retries_back_off_exponentially_with_jitter_and_are_bounded(settings):
    settings.PORTAL_RETRY = {"attempts": 5, "backoff": 1.0, "backoff_max": 60.0, "jitter": 0.0}
    retry = make_retry()
    waits = []
    for _ in range(5):
        retry = retry.increment(method="GET", url="/", error=ConnectionError())
        waits.append(retry.get_backoff_time())
    assert waits == [0, 2.0, 4.0, 8.0, 16.0]  # urllib3: no wait before the first retry
    settings.PORTAL_RETRY["jitter"] = 1.0
    jittered = make_retry().increment(method="GET", url="/").increment(method="GET", url="/")
    assert 2.0 <= jittered.get_backoff_time() <= 3.0
    with pytest.raises(Exception):
        retry.increment(method="GET", url="/", error=ConnectionError())


def test_500s_are_retried_a_bounded_number_of_times(standin, company):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    standin.faults.fail_first = 100
    run = services.sync()
    assert len(calls(standin, "/sunny-portal/v1/")) == 4  # one call and three retries
    assert run.errors[0]["message"] == "HTTP 500 for /v1/customers/100200/profiles"
    assert not Registration.objects.exists()


def test_a_slow_portal_times_out(standin, company, settings):
    settings.PORTAL_TIMEOUT = (1.0, 0.2)
    settings.PORTAL_RETRY = {"attempts": 1, "backoff": 0.01, "backoff_max": 0.01, "jitter": 0.0}
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    client = PortalClient(PortalConfig("sunny_portal", settings.PORTALS[0]["base_url"], "demo-sp", "demo-sp-secret"))
    client._token()
    standin.faults.delay = 0.5
    with pytest.raises(PortalError, match="timed out|gave up"):
        client.sightings("100200")


def test_pages_are_followed(standin, company, settings):
    settings.PORTAL_PAGE_SIZE = 1
    standin.load(feed(sunny_portal=[profile("100200", plant(device(f"100000000{n}"))) for n in range(1, 4)]))
    run = services.sync()
    assert run.registered == 3
    assert len(calls(standin, "/sunny-portal/v1/")) == 3


# One run at a time, crashes ------------------------------------------------------------------


def test_one_run_at_a_time_and_a_crashed_runs_lock_expires(standin, company, time_machine, settings):
    settings.PORTAL_SYNC_LOCK_SECONDS = 600
    holder = services.acquire_lock()  # a run that crashed without letting go
    SyncRun.objects.create(trigger=SyncRun.Trigger.SCHEDULE, started_at=datetime(2026, 6, 15, 2, 30, tzinfo=AMS))
    with pytest.raises(services.SyncAlreadyRunning):
        services.sync()
    with pytest.raises(CommandError, match="another sync is running"):
        call_command("sync_sunny_portal")
    assert tasks.sync_portals() is None
    time_machine.shift(timedelta(seconds=601))
    run = services.sync()
    assert run.state == SyncRun.State.SUCCEEDED
    assert SyncRun.objects.filter(state=SyncRun.State.ABANDONED).count() == 1
    assert SyncLock.objects.get().holder != holder


def test_a_crash_in_the_middle_then_a_clean_rerun(standin, company, other_company, campaign, monkeypatch,
                                                  time_machine, settings):
    settings.PORTAL_SYNC_LOCK_SECONDS = 600
    third = make_company(campaign, name="Derde B.V.", customer_number="400500", email="d@example.com")
    standin.load(feed(sunny_portal=[profile(n, plant(device(s), device(t))) for n, s, t in
                                    [("100200", "1000000001", "1000000002"), ("200300", "1000000003", "1000000004"),
                                     ("400500", "1000000005", "1000000006")]]))
    original = services.register_eligible_devices
    seen = []

    def killed_on_the_second(**kwargs):
        seen.append(kwargs["company"].customer_number)
        result = original(**kwargs)
        if len(seen) == 2:
            raise SystemExit("worker killed")
        return result

    # A kill (SIGKILL, out of memory) runs no clean-up: the run stays "running", the lock held.
    monkeypatch.setattr(services, "register_eligible_devices", killed_on_the_second)
    monkeypatch.setattr(services, "_finish", lambda *args: None)
    monkeypatch.setattr(services, "release_lock", lambda holder: None)
    with pytest.raises(SystemExit):
        services.sync()
    monkeypatch.undo()
    assert SyncRun.objects.get().state == SyncRun.State.RUNNING
    # The first company is done; the second one's transaction was rolled back whole.
    assert sorted(Registration.objects.values_list("serial", flat=True)) == ["1000000001", "1000000002"]
    assert not PortalDevice.objects.filter(company=other_company).exists()

    with pytest.raises(services.SyncAlreadyRunning):  # the dead run's lock holds until it expires
        services.sync()
    time_machine.shift(timedelta(seconds=601))
    rerun = services.sync()
    assert rerun.state == SyncRun.State.SUCCEEDED and rerun.registered == 4
    assert SyncRun.objects.get(state=SyncRun.State.ABANDONED).finished_at is not None
    assert Registration.objects.count() == 6
    assert Registration.objects.values("serial").distinct().count() == 6
    assert third.portal_devices.count() == 2


def test_the_lock_is_kept_alive_while_waiting_for_a_slow_portal(standin, company, settings, monkeypatch):
    settings.PORTAL_SYNC_LOCK_SECONDS = 3  # renewed every second while the writer waits
    settings.PORTAL_TIMEOUT = (2.0, 5.0)
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    standin.faults.delay = 1.2
    renewals = []
    original = services.extend_lock
    monkeypatch.setattr(services, "extend_lock", lambda holder: renewals.append(1) or original(holder))
    run = services.sync()
    assert run.state == SyncRun.State.SUCCEEDED
    assert len(renewals) >= 3  # while waiting, and once per company


def test_a_run_that_takes_too_long_stops_and_says_whom_it_left(standin, company, other_company, settings):
    settings.PORTAL_SYNC_MAX_SECONDS = 0
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    run = services.sync()
    assert run.state == SyncRun.State.PARTIAL and not Registration.objects.exists()
    assert "2 companies not synchronised" in run.errors[0]["message"]
    assert company.portal_sync_state.failed_at is not None


def test_the_sync_never_rewrites_a_registration_the_installer_entered(standin, company, register, known):
    mine = register("7777777777", reference="Job 42 - Mr Smith", postcode="1011 AB")  # unknown serial: refused
    assert mine.status == Status.NOT_REGISTRABLE
    known("7777777777")  # the maker lists it later; the portal knows the device too
    standin.load(feed(sunny_portal=[profile("100200", plant(device("7777777777"), name="Fam. Jansen"))]))
    run = services.sync()
    mine.refresh_from_db()
    assert (mine.status, mine.reference, mine.postcode, mine.source) == (
        Status.NOT_REGISTRABLE, "Job 42 - Mr Smith", "1011 AB", Source.WEB
    )
    assert mine.history.count() == 1
    assert run.skipped == {Transfer.ALREADY_REGISTERED: 1}
    assert PortalDevice.objects.get().registration == mine  # the page links to it, with its status


def test_bad_values_from_the_portal_cost_only_their_device(standin, company):
    standin.load(feed(sunny_portal=[profile("100200", plant(
        device("1" * 40),  # not a serial anyone can register
        device("1000000002", product="X" * 300),
        device("1000000003", data="yesterday"),
        device("1000000001"),
    ))]))
    run = services.sync()
    # The 40-digit "serial" cannot be kept as a device: staff are told where it is.
    assert run.state == SyncRun.State.PARTIAL and "no usable serial number" in run.errors[0]["message"]
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000001"]
    outcomes = dict(PortalDevice.objects.values_list("serial", "transfer"))
    assert outcomes == {"1000000001": Transfer.REGISTERED, "1000000002": Transfer.UNKNOWN_PRODUCT,
                        "1000000003": Transfer.INVALID}
    assert run.registered == 1 and run.devices_seen == 3


def test_one_companys_bad_data_does_not_take_the_portal_down(standin, company, campaign, settings):
    settings.PORTAL_SYNC_FETCH_THREADS = 1
    numbers = ["100200", "300001", "300002", "300003", "300004"]
    for n, number in enumerate(numbers[1:]):
        make_company(campaign, name=f"B{n}", customer_number=number, email=f"b{n}@example.com")
    standin.load(feed(sunny_portal=[profile(number, plant(device(f"100000000{i + 1}"))) for i, number
                                    in enumerate(numbers)]))
    for number in numbers[1:4]:  # three companies in a row with an answer that is no feed
        standin.profiles["sunny_portal"][number] = "not a list"
    standin.faults.fail_customers = set()
    run = services.sync()
    assert not any("not asked" in e["message"] for e in run.errors)
    assert sorted(Registration.objects.values_list("serial", flat=True)) == ["1000000001", "1000000005"]


def test_a_nonsense_answer_is_one_companys_error_not_the_runs(standin, company, other_company, monkeypatch):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"))),
                                    profile("200300", plant(device("1000000002")))]))
    original = standin.page

    def string_next_page(portal, customer_number, page, page_size):
        body = original(portal, customer_number, page, page_size)
        if customer_number == "100200":
            body["paging"]["nextPage"] = "2"
        return body

    monkeypatch.setattr(standin, "page", string_next_page)
    run = services.sync()
    assert run.state == SyncRun.State.PARTIAL
    assert "nextPage '2'" in run.errors[0]["message"]
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000002"]


def test_the_same_serial_written_differently_is_one_device(standin, company):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))],
                      ennexos=[profile("100200", plant(device("1000-000001")))]))
    run = services.sync()
    assert run.devices_seen == 1 and PortalDevice.objects.count() == 1 and Registration.objects.count() == 1


# Entry points ----------------------------------------------------------------------------------


def test_the_command_syncs_one_customer_number(standin, company, other_company, capsys):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"))),
                                    profile("200300", plant(device("1000000002")))]))
    call_command("sync_sunny_portal", "--customer-number", "200300")
    out = capsys.readouterr().out
    assert "Succeeded" in out and "1 companies, 1 devices seen, 1 registered" in out
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000002"]
    assert SyncRun.objects.get().customer_number == "200300"


def test_the_command_speaks_the_portals_language(standin, company, capsys):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    call_command("sync_sunny_portal", "--language", "nl")
    out = capsys.readouterr().out
    assert "1 bedrijven, 1 apparaten gezien, 1 geregistreerd, 0 ongewijzigd" in out
    assert "companies" not in out and "registered" not in out


def test_the_sync_is_scheduled_nightly_and_the_task_runs_it(standin, company, settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["portal-sync"]
    assert entry["task"] == "portal_sync.tasks.sync_portals"
    assert entry["schedule"] == crontab(hour=2, minute=30)
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    run_id = tasks.sync_portals.delay().get()
    assert SyncRun.objects.get(pk=run_id).trigger == SyncRun.Trigger.SCHEDULE
    assert Registration.objects.count() == 1


def test_the_overview_says_when_it_last_synchronised(standin, company, installer_client, time_machine):
    page = installer_client.get("/").content.decode()
    assert "Enter your customer number 100200 in the user profiles of Sunny Portal" in page
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"),
                                                           device("1000000002", data="2026-01-01T00:00:00Z")))]))
    time_machine.move_to(datetime(2026, 6, 16, 2, 30, tzinfo=AMS))
    services.sync()
    page = installer_client.get("/").content.decode()
    assert "last synchronised at 16 June 2026" in page
    assert "1 device registered automatically" in page and "1 not transferred: see why" in page
    standin.faults.down = {"sunny_portal"}
    time_machine.move_to(datetime(2026, 6, 17, 2, 30, tzinfo=AMS))
    services.sync()
    page = installer_client.get("/").content.decode()
    assert "last synchronised at 16 June 2026" in page
    assert "could not reach a portal" in page


def test_portal_devices_are_shown_to_their_company_only(standin, company, other_company, client):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")))]))
    services.sync()
    client.force_login(other_company.memberships.get().user)
    page = client.get("/portal-devices/").content.decode()
    assert "1000000001" not in page
    assert "The portals have reported no devices for your customer number yet." in page


def test_staff_see_the_runs_in_the_admin(standin, company, staff_client):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"), device("5000000001", "SB3.0-1AV-41")))]))
    standin.faults.down = {"ennexos"}
    run = services.sync()
    listing = staff_client.get("/admin/portal_sync/syncrun/").content.decode()
    assert "Finished with errors" in listing
    detail = staff_client.get(f"/admin/portal_sync/syncrun/{run.pk}/change/").content.decode()
    assert "Not transferred: product family not transferred automatically: 1" in detail
    assert "ennexos" in detail
    assert staff_client.get("/admin/portal_sync/portaldevice/").status_code == 200


def test_the_deploy_check_wants_https_and_no_credentials_in_urls(settings):
    settings.DEBUG = False
    settings.PORTALS = [{"name": "sunny_portal", "base_url": "http://portal.example.com", "client_id": "x",
                         "client_secret": "y"},
                        {"name": "ennexos", "base_url": "https://user:pw@ennexos.example.com", "client_id": "x",
                         "client_secret": "y"}]
    assert [e.id for e in portal_urls_are_https(None)] == ["portal_sync.E002", "portal_sync.E001"]
    settings.PORTALS = [{"name": "sunny_portal", "base_url": "https://portal.example.com", "token_url": "",
                         "client_id": "x", "client_secret": "y"}]
    assert portal_urls_are_https(None) == []


def test_a_device_to_register_by_hand_links_to_the_form_filled_in(standin, company, installer_client):
    standin.load(feed(sunny_portal=[profile("100200", plant(
        device("1000000002", data="2026-03-01T07:59:59Z"),  # before the number: not transferred
    ), entered="2026-03-01T08:00:00Z")]))
    services.sync()
    page = installer_client.get("/portal-devices/").content.decode()
    link = re.search(r'href="(/registrations/new/\?[^"]+)">Register this device', page).group(1)
    form = installer_client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="1000000002"' in form
    assert '<option value="STP10.0-3SE-40" selected>' in form


# What a crash, a bad record or a dead run leaves (issue 13) --------------------------------


def test_a_killed_runs_record_says_exactly_what_it_registered(standin, company, other_company, campaign,
                                                             monkeypatch, time_machine, settings):
    settings.PORTAL_SYNC_LOCK_SECONDS = 600
    standin.load(feed(sunny_portal=[profile(n, plant(device(s), device(t))) for n, s, t in
                                    [("100200", "1000000001", "1000000002"), ("200300", "1000000003", "1000000004")]]))
    original, seen = services.register_eligible_devices, []

    def killed_on_the_second(**kwargs):
        seen.append(1)
        if len(seen) == 2:
            raise SystemExit("worker killed")
        return original(**kwargs)

    monkeypatch.setattr(services, "register_eligible_devices", killed_on_the_second)
    monkeypatch.setattr(services, "_finish", lambda *args: None)  # a kill runs no clean-up
    monkeypatch.setattr(services, "release_lock", lambda holder: None)
    with pytest.raises(SystemExit):
        services.sync()
    monkeypatch.undo()
    killed = SyncRun.objects.get()
    assert (killed.state, killed.companies, killed.registered, killed.devices_seen) == (SyncRun.State.RUNNING, 1, 2, 2)

    time_machine.shift(timedelta(seconds=601))
    rerun = services.sync()
    killed.refresh_from_db()
    assert killed.state == SyncRun.State.ABANDONED and killed.registered == 2
    assert killed.registered + rerun.registered == Registration.objects.count() == 4


def test_a_malformed_plant_costs_only_itself_and_is_reported_with_where_it_is(standin, company, installer_client):
    broken = plant(device("1000000002"), name="Fam. Peeters")
    broken["installation"] = "2026-04-30"  # a string where an object belongs
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001")), broken, "not a plant",
                                            {**plant(name="Fam. De Vries"), "devices": "none"})]))
    run = services.sync()
    assert list(Registration.objects.values_list("serial", flat=True)) == ["1000000001"]
    peeters = PortalDevice.objects.get(serial="1000000002")
    assert peeters.transfer == Transfer.INVALID and peeters.register_yourself  # the installer can act
    messages = [e["message"] for e in run.errors]
    assert any("a plant that is not an object" in m for m in messages)
    assert any("Fam. De Vries" in m and "not a list" in m for m in messages)
    assert "could not be reached" not in installer_client.get("/registrations/").content.decode()
    assert company.portal_sync_state.synced_at is not None  # the company was synchronised


def test_a_device_without_a_usable_serial_is_reported_not_dropped(standin, company):
    nameless = device("")
    standin.load(feed(sunny_portal=[profile("100200", plant(nameless, device("1000000001"), name="Fam. Smit"))]))
    run = services.sync()
    assert run.registered == 1
    assert any(nameless["deviceId"] in e["message"] and "Fam. Smit" in e["message"] and "serial" in e["message"]
               for e in run.errors)


@pytest.mark.parametrize("language, text", [("fr", "pas valide pour le pays Pays-Bas"),
                                            ("en", "is not a valid postcode for Netherlands"),
                                            ("nl", "is geen geldige postcode voor Nederland")])
def test_a_refusal_of_the_rules_is_shown_in_the_readers_language(standin, company, installer_client, installer,
                                                                 language, text):
    standin.load(feed(sunny_portal=[profile("100200", plant(device("1000000001"), postcode="0999 XX"))]))
    with translation.override("nl"):  # the nightly sync speaks the portal's language
        services.sync()
    assert PortalDevice.objects.get().transfer == Transfer.INVALID
    installer.language = language
    installer.save()
    assert text in installer_client.get("/portal-devices/").content.decode()


def test_staff_release_the_lock_of_a_run_whose_process_is_gone(standin, company, staff_client, settings):
    settings.PORTAL_SYNC_LOCK_SECONDS = 900
    services.acquire_lock()  # this process: alive, so its lock cannot be released
    assert services.release_dead_lock() is False
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    SyncLock.objects.update(holder=f"abc@{socket.gethostname()}:{dead.stdout.strip()}")
    SyncRun.objects.create(trigger=SyncRun.Trigger.SCHEDULE, started_at=timezone.now())
    with pytest.raises(CommandError, match="--release-dead-lock"):
        call_command("sync_sunny_portal", "--language", "en")
    assert "whose process is gone" in staff_client.get("/admin/portal_sync/syncrun/").content.decode()

    staff_client.post("/admin/portal_sync/synclock/", {"action": "release_dead_lock",
                                                       "_selected_action": [services.LOCK]})
    assert SyncRun.objects.get().state == SyncRun.State.ABANDONED
    assert "staff@example.com released its lock" in SyncRun.objects.get().errors[-1]["message"]
    assert services.sync().state == SyncRun.State.SUCCEEDED
