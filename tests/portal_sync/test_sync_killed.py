"""The nightly sync killed with a real SIGKILL half-way, in its own process (the staff command),
against the stand-in over HTTP: its record says exactly what it registered, its lock is
released once its process is provably gone, and the next run brings in the rest, each device
once. The command's process shares the test database, so this runs on PostgreSQL."""

import os
import signal
import subprocess
import sys
import time

import pytest

from portal_sync import services
from portal_sync.models import PortalDevice, SyncRun
from portal_sync.standin import start_in_thread
from registrations.core.models import Registration
from tests.conftest import make_company, shared_database_url
from tests.test_worker import wait_for

from .portal_feed import device, feed, plant, profile

COMPANIES, DEVICES = 30, 3

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="the command's process needs a database it can share: PostgreSQL"),
]


@pytest.fixture
def portal(campaign, known, real_time):
    profiles = []
    for n in range(COMPANIES):
        number = f"9{n:05d}"
        make_company(campaign, name=f"Installer {n}", customer_number=number, email=f"i{n}@example.com")
        serials = [f"10000000{n * DEVICES + d + 1:02d}" for d in range(DEVICES)]
        profiles.append(profile(number, plant(*(device(serial) for serial in serials))))
    server = start_in_thread(feed(sunny_portal=profiles))
    server.portal.faults.delay = 0.15  # each answer takes a moment: the kill lands half-way
    yield server
    server.shutdown()
    server.server_close()


def test_a_sync_killed_half_way_says_what_it_did_and_the_next_run_does_the_rest(portal, settings):
    environment = {
        **os.environ,
        "DATABASE_URL": shared_database_url(settings),
        "PORTAL_STANDIN_URL": portal.url, "PORTAL_SYNC_FETCH_THREADS": "1",
    }
    command = subprocess.Popen([sys.executable, "manage.py", "sync_sunny_portal"], cwd=settings.BASE_DIR,
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: SyncRun.objects.filter(companies__gte=5).exists(), 60), "the sync did not start"
        command.send_signal(signal.SIGKILL)  # no clean-up at all, as the OOM killer does it
        command.wait()
    finally:
        if command.poll() is None:
            command.kill()
    time.sleep(0.5)  # the database notices the closed connection and rolls its transaction back

    killed = SyncRun.objects.get()
    assert killed.state == SyncRun.State.RUNNING and 5 <= killed.companies < COMPANIES
    # Exactly what it committed: its counts and the rows agree, company by company.
    assert killed.registered == Registration.objects.count() == killed.companies * DEVICES
    assert PortalDevice.objects.values("company").distinct().count() == killed.companies

    settings.PORTALS = [{"name": "sunny_portal", "base_url": f"{portal.url}/sunny-portal", "token_url": "",
                         "client_id": "demo-sp", "client_secret": "demo-sp-secret"}]
    portal.portal.faults.delay = 0
    with pytest.raises(services.SyncAlreadyRunning) as busy:
        services.sync()
    assert busy.value.holder_gone  # the lock's process is provably gone ...
    assert services.release_dead_lock()  # ... so staff need not wait for its expiry
    rerun = services.sync()
    killed.refresh_from_db()
    assert killed.state == SyncRun.State.ABANDONED
    assert killed.registered + rerun.registered == Registration.objects.count() == COMPANIES * DEVICES
    assert Registration.objects.values("serial").distinct().count() == COMPANIES * DEVICES
