"""The stand-in's demo data for `make run`: devices of the demo companies, written by seed_demo
with dates relative to today, so that `manage.py sync_sunny_portal` shows every outcome."""

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")


def _utc(day, hour=10):
    return datetime.combine(day, time(hour), AMS).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_feed(today, serial):
    """`serial(product_index, number)` is seed_demo's demo serial numbering."""
    start = today.replace(month=1, day=1)

    def ago(days):
        return max(start, today - timedelta(days=days))

    def device(product_index, number, product, data_day, device_id):
        return {"deviceId": device_id, "product": product, "productId": 9300 + product_index,
                "serial": serial(product_index, number), "isActive": True, "dataReceivedUtc": _utc(data_day, 11)}

    def plant(plant_id, name, started, postcode, country, devices):
        return {"plantId": plant_id, "name": name, "installation": {"startUpUtc": _utc(started, 9)},
                "location": {"address": {"zipCode": postcode, "country": country}}, "devices": devices}

    sunny = [
        {"profileId": "sp-sanne", "customerNumber": "100200", "customerNumberEnteredUtc": _utc(ago(60), 8), "plants": [
            plant("sp-4711", "Fam. de Boer", ago(20), "3511 AB", "NL", [
                device(3, 100, "STP10.0-3SE-40", ago(20), "sp-90017"),
                device(4, 100, "HM-20", ago(20), "sp-90018"),
            ]),
            plant("sp-4712", "Bakkerij Smit", ago(14), "3542 DR", "NL", [
                device(5, 100, "STP 110-60", ago(14), "sp-90021"),  # CORE2: documents are checked
                device(6, 100, "EVC22-3AC-10", ago(14), "sp-90022"),
                device(7, 100, "SB3.0-1AV-41", ago(14), "sp-90023"),  # Sunny Boy: not transferred
            ]),
            plant("sp-4713", "Fam. Visser", ago(90), "3581 KP", "NL", [
                device(2, 100, "STP8.0-3SE-40", ago(90), "sp-90031"),  # before the number was entered
            ]),
            plant("sp-4714", "PRJ-2400", ago(5), "3511 AB", "NL", [
                device(0, 10, "STP5.0-3SE-40", ago(5), "sp-90041"),  # registered by hand (Excel) already
            ]),
        ]},
        {"profileId": "sp-luc", "customerNumber": "200300", "customerNumberEnteredUtc": _utc(ago(40), 8), "plants": [
            plant("sp-5801", "Maison Lambert", ago(12), "4000", "BE", [
                device(0, 200, "STP5.0-3SE-40", ago(12), "sp-91001"),
            ]),
        ]},
    ]
    ennexos = [
        {"profileId": "ex-joris", "customerNumber": "100200", "customerNumberEnteredUtc": _utc(ago(30), 8), "plants": [
            plant("ex-0815", "Fam. de Boer", ago(20), "3511 AB", "NL", [
                device(3, 100, "STP10.0-3SE-40", ago(10), "ex-70017"),  # also in Sunny Portal: once
            ]),
            plant("ex-0816", "Sportcentrum De Vaart", ago(6), "3521 AZ", "NL", [
                device(1, 100, "STP6.0-3SE-40", ago(6), "ex-70021"),
            ]),
        ]},
    ]
    return {"portals": {"sunny_portal": {"profiles": sunny}, "ennexos": {"profiles": ennexos}}}


def write_demo_feed(path, today, serial):
    path.write_text(json.dumps(demo_feed(today, serial), indent=2), encoding="utf-8")
