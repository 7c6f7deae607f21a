"""The customer-number feed (FEED.md) as Python values: parsing and the per-serial merge."""

from dataclasses import dataclass
from datetime import date, datetime
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class FeedError(ValueError):
    """The portal answered something that does not follow FEED.md."""


def normalize_customer_number(value):
    return "".join(str(value or "").split()).upper()


def parse_time(value, field):
    if not isinstance(value, str) or not value:
        raise FeedError(f"{field} is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FeedError(f"{field} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt_timezone.utc)
    return parsed


@dataclass(frozen=True, slots=True)
class Sighting:
    """One device as one portal shows it on one profile's plant. `problem` names the field
    that made no sense (the device is then recorded as not transferred, the rest goes on)."""

    portal: str
    serial: str
    product: str
    device_id: str
    plant_id: str
    plant_name: str
    profile_id: str
    installed_on: date | None
    postcode: str
    country: str
    is_active: bool
    data_received_at: datetime | None
    number_entered_at: datetime | None
    problem: str = ""

    @property
    def predates_customer_number(self):
        # The brief: not retroactive. Data that reached the portal at the very second the
        # number was entered counts as after it.
        if self.problem:
            return False
        return self.data_received_at < self.number_entered_at

    @property
    def complete(self):
        return not self.problem and self.installed_on is not None and bool(self.product)


SERIAL_MAX = 32


def _serial(raw):
    """The serial as the registration path will see it (FeedError when it cannot be one)."""
    # Imported here, not above: the stand-in portal server imports this module and runs without Django.
    from devices.serials import InvalidSerial, normalize_serial

    try:
        serial = normalize_serial(raw)
    except InvalidSerial:
        raise FeedError("serial") from None
    if len(serial) > SERIAL_MAX:
        raise FeedError("serial")
    return serial


@dataclass(frozen=True, slots=True)
class Unusable:
    """A device (or a plant's list of devices) that cannot be a sighting: no usable serial, or
    not an object at all. Reported to staff with where it is, so the portal's data can be fixed."""

    portal: str
    device_id: str
    plant_id: str
    plant_name: str
    problem: str


def _object(value):
    return value if isinstance(value, dict) else {}


def sightings(portal, customer_number, page):
    """The devices of one page of the feed, for the profiles that carry `customer_number`.

    A device, plant or profile with a value that makes no sense becomes a sighting with a
    `problem`; a device without a usable serial, or a record that is not an object, becomes an
    Unusable: one bad record must not cost the company its other devices. Only an answer
    without a list of profiles is a FeedError.
    """
    if not isinstance(page, dict) or not isinstance(page.get("profiles"), list):
        raise FeedError("the answer has no list of profiles")
    wanted = normalize_customer_number(customer_number)
    for profile in page["profiles"]:
        if not isinstance(profile, dict) or normalize_customer_number(profile.get("customerNumber")) != wanted:
            continue  # only profiles with this company's number count
        problem = ""
        try:
            entered = parse_time(profile.get("customerNumberEnteredUtc"), "customerNumberEnteredUtc")
        except FeedError:
            entered, problem = None, "customerNumberEnteredUtc"
        plants = profile.get("plants") or ()
        for plant in plants if isinstance(plants, list) else ():
            if not isinstance(plant, dict):
                yield Unusable(portal, "", "", "", f"a plant that is not an object: {str(plant)[:60]!r}")
                continue
            plant_id, plant_name = str(plant.get("plantId") or "")[:64], str(plant.get("name") or "").strip()[:100]
            plant_problem = problem
            installation = plant.get("installation")
            if installation is not None and not isinstance(installation, dict):
                plant_problem = plant_problem or "startUpUtc"
            started = _object(installation).get("startUpUtc")
            installed_on = None
            if started:
                try:
                    installed_on = parse_time(started, "startUpUtc").astimezone(AMSTERDAM).date()
                except FeedError:
                    plant_problem = plant_problem or "startUpUtc"
            address = _object(_object(plant.get("location")).get("address"))
            devices = plant.get("devices") or ()
            if not isinstance(devices, list):
                yield Unusable(portal, "", plant_id, plant_name, "the plant's devices are not a list")
                continue
            for device in devices:
                if not isinstance(device, dict):
                    yield Unusable(portal, "", plant_id, plant_name, f"a device that is not an object: {str(device)[:60]!r}")
                    continue
                device_id = str(device.get("deviceId") or "")[:64]
                try:
                    serial = _serial(device.get("serial"))
                except FeedError:
                    yield Unusable(portal, device_id, plant_id, plant_name,
                                   f"no usable serial number ({str(device.get('serial'))[:40]!r})")
                    continue
                device_problem = plant_problem
                try:
                    received = parse_time(device.get("dataReceivedUtc"), "dataReceivedUtc")
                except FeedError:
                    received, device_problem = None, device_problem or "dataReceivedUtc"
                yield Sighting(
                    portal=portal,
                    serial=serial,
                    product=str(device.get("product") or "").strip()[:64],
                    device_id=device_id,
                    plant_id=plant_id,
                    plant_name=plant_name,
                    profile_id=str(profile.get("profileId") or "")[:64],
                    installed_on=installed_on,
                    postcode=str(address.get("zipCode") or "").strip()[:16],
                    country=str(address.get("country") or "").strip().upper()[:2],
                    is_active=bool(device.get("isActive", True)),
                    data_received_at=received,
                    number_entered_at=entered,
                    problem=device_problem,
                )


def merge(all_sightings):
    """One sighting per serial: the earliest that counts (data after the number was entered),
    complete ones first, else the earliest of all (which then predates the number). A device
    seen in both portals, or under two profiles, is one device."""
    best = {}
    for sighting in all_sightings:
        current = best.get(sighting.serial)
        if current is None or _rank(sighting) < _rank(current):
            best[sighting.serial] = sighting
    return best


def _rank(sighting):
    far = datetime.max.replace(tzinfo=dt_timezone.utc)
    return (bool(sighting.problem), sighting.predates_customer_number, not sighting.complete,
            sighting.data_received_at or far, sighting.portal)
