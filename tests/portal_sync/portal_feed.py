"""Builders of the portals' customer-number feed (portal_sync/FEED.md) for the tests."""

from itertools import count

_ids = count(1)


def device(serial, product="STP10.0-3SE-40", data="2026-05-01T10:00:00Z", active=True):
    n = next(_ids)
    return {"deviceId": f"d{n}", "product": product, "productId": 9000 + n, "serial": serial, "isActive": active,
            "dataReceivedUtc": data}


def plant(*devices, name="Fam. Jansen", started="2026-04-30T22:30:00Z", postcode="3511 AB", country="NL"):
    n = next(_ids)
    return {"plantId": f"p{n}", "name": name, "installation": {"startUpUtc": started},
            "location": {"address": {"zipCode": postcode, "country": country}}, "devices": list(devices)}


def profile(customer_number, *plants, entered="2026-03-01T08:00:00Z"):
    return {"profileId": f"prof{next(_ids)}", "customerNumber": customer_number,
            "customerNumberEnteredUtc": entered, "plants": list(plants)}


def feed(sunny_portal=(), ennexos=()):
    return {"portals": {"sunny_portal": {"profiles": list(sunny_portal)}, "ennexos": {"profiles": list(ennexos)}}}
