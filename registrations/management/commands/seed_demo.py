"""Demo data for `make run`: a campaign, the catalogue, a serial list, two companies, logins.

Safe to run again: what exists is left alone and the logins are printed each time.
"""

import io
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from devices.models import Campaign, CampaignProduct, KnownDevice, ProductFamily, ProductModel
from portal_sync.demo import write_demo_feed
from registrations.companies.choices import Role
from registrations.companies.models import Company, Enrolment, Membership, User
from registrations.core import registering
from registrations.core.choices import Source
from registrations.core.rows import DeviceRow
from registrations.documents import services as document_services
from registrations.payouts import bank

PASSWORD = "demo-cashback"
INSTALLER = "installer@example.com"
COLLEAGUE = "colleague@example.com"
OTHER = "installer@soleil.example"
STAFF = "staff@example.com"
FINANCE = "finance@example.com"

# code, name, transferred automatically from the monitoring portals
FAMILIES = [
    ("sunny-tripower-smart-energy", "Sunny Tripower Smart Energy", True),
    ("sunny-home-manager", "Sunny Home Manager", True),
    ("sunny-tripower-core2", "Sunny Tripower CORE2", True),
    ("ev-charger-business", "EV Charger Business", True),
    ("sunny-boy", "Sunny Boy", False),
]
# type designation, family, cashback in cents (None: not in the campaign), documents always
PRODUCTS = [
    ("STP5.0-3SE-40", "sunny-tripower-smart-energy", 10000, False),
    ("STP6.0-3SE-40", "sunny-tripower-smart-energy", 12500, False),
    ("STP8.0-3SE-40", "sunny-tripower-smart-energy", 15000, False),
    ("STP10.0-3SE-40", "sunny-tripower-smart-energy", 20000, False),
    ("HM-20", "sunny-home-manager", 5000, False),
    ("STP 110-60", "sunny-tripower-core2", 75000, True),
    ("EVC22-3AC-10", "ev-charger-business", 15000, False),
    ("SB3.0-1AV-41", "sunny-boy", None, False),
]
SERIALS_PER_PRODUCT = 400


def demo_invoice(company, registration):
    """A one-page PDF that looks like an invoice, so the review screen has something to show."""
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=34)
    lines = [
        company.name, f"{company.street}, {company.postcode} {company.city}", "",
        "FACTUUR 2026-0142", f"Datum: {registration.installed_on:%d-%m-%Y}", "",
        "Levering en installatie:", f"1 x {registration.product.code}", f"Serienummer {registration.serial}",
        f"Project: {registration.reference}", "", "Totaal excl. btw: EUR 14.850,00",
    ]
    for number, line in enumerate(lines):
        draw.text((120, 140 + number * 56), line, fill="black", font=font)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150)
    return buffer.getvalue()


def demo_serial(product_index, number):
    """Serials 30<product><6 digits>, e.g. 3030000007 is the 8th STP10.0-3SE-40."""
    return f"30{product_index}{number:07d}"


class Command(BaseCommand):
    help = "Load demo data: campaign, products, known serials, demo companies and logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            campaign = self._catalogue()
            created = self._companies(campaign)
        if created:
            self._registrations()
        # The stand-in portal's data (make run serves it on :8100), fresh dates on every run.
        feed = settings.VAR_DIR / "portal-standin.json"
        write_demo_feed(feed, timezone.localdate(), demo_serial)
        self._print_logins()
        self.stdout.write(f"Monitoring-portal stand-in data: {feed}. Try: .venv/bin/python manage.py sync_sunny_portal\n")

    def _catalogue(self):
        families = {}
        for code, name, portal in FAMILIES:
            families[code], _ = ProductFamily.objects.get_or_create(
                code=code, defaults={"name": name, "transferred_from_portal": portal}
            )
            # Demo databases made before the flag existed get it too.
            ProductFamily.objects.filter(code=code).update(transferred_from_portal=portal)
        today = timezone.localdate()
        campaign, _ = Campaign.objects.get_or_create(
            slug=f"cashback-{today.year}",
            defaults={
                "name": f"SMA Cashback {today.year}",
                "installation_starts_on": date(today.year, 1, 1),
                "installation_ends_on": date(today.year, 12, 31),
                "registration_deadline": date(today.year + 1, 1, 31),
                "audit_sample_percent": 2,
                # A budget the desk shows used and left (€ 250,000), and a limit per company.
                "budget_cents": 25_000_000,
                "company_cap_devices": 2000,
                "terms": DEMO_TERMS,
                "terms_fr": DEMO_TERMS_FR,
                "terms_en": DEMO_TERMS_EN,
            },
        )
        # Demo databases made before the terms had three languages get the other two.
        Campaign.objects.filter(pk=campaign.pk, terms_fr="").update(terms=DEMO_TERMS, terms_fr=DEMO_TERMS_FR,
                                                                    terms_en=DEMO_TERMS_EN)
        known = []
        for index, (code, family, amount, documents) in enumerate(PRODUCTS):
            product, _ = ProductModel.objects.get_or_create(code=code, defaults={"family": families[family]})
            if amount is not None:
                CampaignProduct.objects.get_or_create(
                    campaign=campaign, product=product,
                    defaults={"amount_cents": amount, "requires_documents": documents},
                )
            known += [
                KnownDevice(serial=demo_serial(index, n), product=product, produced_on=date(today.year - 1, 11, 1))
                for n in range(SERIALS_PER_PRODUCT)
            ]
        KnownDevice.objects.bulk_create(known, ignore_conflicts=True)
        return campaign

    def _companies(self, campaign):
        if Company.objects.filter(customer_number="100200").exists():
            return False
        demo = Company.objects.create(
            name="Zonnewerk Installaties B.V.", customer_number="100200", vat_number="NL004495445B01",
            country="NL", street="Energieweg 12", postcode="3542 DR", city="Utrecht",
            contact_email="administratie@zonnewerk.example", language="nl",
        )
        other = Company.objects.create(
            name="Soleil Énergie SRL", customer_number="200300", vat_number="BE0403019261",
            country="BE", street="Rue du Soleil 5", postcode="4000", city="Liège",
            contact_email="info@soleil.example", language="fr",
        )
        for email, first, last, company, role, language in [
            (INSTALLER, "Sanne", "de Vries", demo, Role.ADMIN, "nl"),
            (COLLEAGUE, "Joris", "Bakker", demo, Role.MEMBER, "nl"),
            (OTHER, "Luc", "Dubois", other, Role.ADMIN, "fr"),
        ]:
            user = User.objects.create_user(email=email, password=PASSWORD, first_name=first, last_name=last,
                                            language=language)
            Membership.objects.create(user=user, company=company, role=role)
        for company in (demo, other):
            Enrolment.objects.create(company=company, campaign=campaign,
                                     accepted_by=company.memberships.first().user)
        if not User.objects.filter(email=STAFF).exists():
            User.objects.create_superuser(email=STAFF, password=PASSWORD, first_name="Campagne", last_name="Team")
        if not User.objects.filter(email=FINANCE).exists():
            # The second pair of eyes on payout batches (the campaign staff login creates them).
            finance = User.objects.create_user(email=FINANCE, password=PASSWORD, first_name="Fien", last_name="Ancier",
                                               is_staff=True)
            finance.user_permissions.add(Permission.objects.get(codename="manage_payouts"))
        # The demo company has bank details (the other one not: its overview says why it waits).
        bank.set_bank_account(demo, iban="NL91ABNA0417164300", bic="ABNANL2A", holder=demo.name, user=None)
        return True

    def _registrations(self):
        demo = Company.objects.get(customer_number="100200")
        other = Company.objects.get(customer_number="200300")
        installer = User.objects.get(email=INSTALLER)
        today = timezone.localdate()
        start = date(today.year, 1, 1)

        def row(product_index, number, days_ago, postcode="3511 AB", reference=""):
            installed = max(start, today - timedelta(days=days_ago))
            return DeviceRow(demo_serial(product_index, number), PRODUCTS[product_index][0], installed,
                             postcode, "NL", reference)

        rows = [row(i % 5, 10 + i, 5 + 3 * i, reference=f"PRJ-{2400 + i}") for i in range(36)]
        rows += [
            row(5, 1, 20, reference="Distributiecentrum"),  # CORE2: documents always checked
            row(6, 2, 12, reference="Parkeergarage"),
            DeviceRow("3039999999", "STP10.0-3SE-40", today - timedelta(days=30), "3511 AB", "NL", "typo?"),
            DeviceRow(demo_serial(0, 3), "STP10.0-3SE-40", today - timedelta(days=9), "3511 AB", "NL"),
        ]
        registering.register_devices(company=demo, rows=rows, source=Source.EXCEL, user=installer)
        # The other company installed (or claims) this inverter too.
        registering.register_devices(company=other, user=other.memberships.first().user, source=Source.WEB, rows=[
            DeviceRow(demo_serial(3, 5), "STP10.0-3SE-40", today - timedelta(days=40), "4000", "BE"),
        ])
        registering.register_device(
            company=demo, serial=demo_serial(3, 5), product_code="STP10.0-3SE-40",
            installed_on=today - timedelta(days=38), postcode="3511 AB", country="NL",
            source=Source.WEB, user=installer,
        )
        core2 = demo.registrations.get(serial=demo_serial(5, 1))
        document_services.add_documents(core2, user=installer, files=[
            ("invoice", ContentFile(demo_invoice(demo, core2), name="factuur-2026-0142.pdf")),
        ])

    def _print_logins(self):
        self.stdout.write(self.style.SUCCESS("\nDemo data ready. Logins (password for all: %s):" % PASSWORD))
        self.stdout.write(f"  installer (company admin)  {INSTALLER}")
        self.stdout.write(f"  installer (colleague)      {COLLEAGUE}")
        self.stdout.write(f"  other company (BE)         {OTHER}")
        self.stdout.write(f"  campaign staff (admin)     {STAFF}   → http://127.0.0.1:8000/review/, /finance/ and /admin/")
        self.stdout.write(f"  finance (approves batches) {FINANCE}   → http://127.0.0.1:8000/finance/")
        self.stdout.write("Serial numbers to try in 'Register a device':")
        self.stdout.write(f"  {demo_serial(3, 300)} as STP10.0-3SE-40  → registration successful")
        self.stdout.write(f"  {demo_serial(3, 301)} as STP8.0-3SE-40   → not registrable (serial belongs to another model)")
        self.stdout.write("  3039999998 as STP10.0-3SE-40  → not registrable (unknown serial)")
        self.stdout.write(f"  {demo_serial(3, 6)} as STP10.0-3SE-40  → more information needed after the other company")
        self.stdout.write(f"     (log in as {OTHER} and register it first)")
        self.stdout.write(f"  Known serials: 30<product 0-7><7 digits>, {SERIALS_PER_PRODUCT} per product.\n")


DEMO_TERMS = """1. De actie staat open voor installatiebedrijven die in Nederland, België of Luxemburg gevestigd zijn.
2. Cashback wordt betaald per deelnemend apparaat dat binnen de actieperiode is geïnstalleerd en vóór de uiterste registratiedatum is geregistreerd.
3. Elk serienummer wordt hoogstens één keer uitbetaald.
4. SMA kan om de factuur of het inbedrijfstellingsprotocol vragen; documenten moeten binnen 14 dagen worden geüpload.
5. Cashback wordt op de bankrekening van het bedrijf betaald nadat de registratie is goedgekeurd."""
DEMO_TERMS_FR = """1. L'action est ouverte aux entreprises d'installation établies aux Pays-Bas, en Belgique ou au Luxembourg.
2. Le cashback est versé pour chaque appareil éligible installé pendant la période de l'action et enregistré avant la date limite d'enregistrement.
3. Chaque numéro de série est payé au plus une fois.
4. SMA peut demander la facture ou le protocole de mise en service ; les documents doivent être téléchargés dans les 14 jours.
5. Le cashback est versé sur le compte bancaire de l'entreprise une fois l'enregistrement accepté."""
DEMO_TERMS_EN = """1. The campaign is open to installer companies established in the Netherlands, Belgium or Luxembourg.
2. Cashback is paid per eligible device installed within the campaign period and registered before the registration deadline.
3. Each serial number is paid at most once.
4. SMA may ask for the invoice or the commissioning protocol; documents must be uploaded within 14 days.
5. Cashback is paid to the company's bank account after the registration has been accepted."""
