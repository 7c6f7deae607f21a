"""The customer-number feed (FEED.md) as Python values: parsing and the per-serial merge."""

from dataclasses import dataclass
from datetime import date, datetime, timezone as dt_timezone
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
    """One device as one portal shows it on one profile's plant."""

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
    data_received_at: datetime
    number_entered_at: datetime

    @property
    def predates_customer_number(self):
        # The brief: not retroactive. Data that reached the portal at the very second the
        # number was entered counts as after it.
        return self.data_received_at < self.number_entered_at


def sightings(portal, customer_number, page):
    """The devices of one page of the feed, for the profiles that carry `customer_number`."""
    if not isinstance(page, dict) or not isinstance(page.get("profiles"), list):
        raise FeedError("the answer has no list of profiles")
    wanted = normalize_customer_number(customer_number)
    for profile in page["profiles"]:
        if normalize_customer_number(profile.get("customerNumber")) != wanted:
            continue  # only profiles with this company's number count
        entered = parse_time(profile.get("customerNumberEnteredUtc"), "customerNumberEnteredUtc")
        for plant in profile.get("plants") or ():
            started = plant.get("installation", {}).get("startUpUtc")
            installed_on = parse_time(started, "startUpUtc").astimezone(AMSTERDAM).date() if started else None
            address = (plant.get("location") or {}).get("address") or {}
            for device in plant.get("devices") or ():
                serial = "".join(str(device.get("serial") or "").split())
                if not serial:
                    continue
                yield Sighting(
                    portal=portal,
                    serial=serial,
                    product=str(device.get("product") or "").strip(),
                    device_id=str(device.get("deviceId") or ""),
                    plant_id=str(plant.get("plantId") or ""),
                    plant_name=str(plant.get("name") or "").strip(),
                    profile_id=str(profile.get("profileId") or ""),
                    installed_on=installed_on,
                    postcode=str(address.get("zipCode") or "").strip(),
                    country=str(address.get("country") or "").strip().upper(),
                    is_active=bool(device.get("isActive", True)),
                    data_received_at=parse_time(device.get("dataReceivedUtc"), "dataReceivedUtc"),
                    number_entered_at=entered,
                )


def merge(all_sightings):
    """One sighting per serial: the earliest that counts (data after the number was entered),
    else the earliest of all (which then predates the number). A device seen in both portals,
    or under two profiles, is one device."""
    best = {}
    for sighting in all_sightings:
        key = sighting.serial
        current = best.get(key)
        if current is None or _rank(sighting) < _rank(current):
            best[key] = sighting
    return best


def _rank(sighting):
    return (sighting.predates_customer_number, sighting.data_received_at, sighting.portal)
