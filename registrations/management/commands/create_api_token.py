"""Create an API token for a company from the command line (prints the key once)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cashback.commands import StaffCommand
from registrations.api.services import create_token
from registrations.companies.choices import Role
from registrations.companies.models import Company


class Command(StaffCommand):
    help = "Create an API token for a company (its first admin is recorded as creator) and print it."

    def add_arguments(self, parser):
        parser.add_argument("--customer-number", required=True)
        parser.add_argument("--name", default="command line")

    def handle(self, *args, customer_number, name, **options):
        company = Company.objects.filter(customer_number="".join(customer_number.split()).upper()).first()
        if company is None:
            raise CommandError(_("No company with customer number %(number)s") % {"number": customer_number})
        admin = company.memberships.filter(role=Role.ADMIN, user__is_active=True).select_related("user").first()
        if admin is None:
            raise CommandError(_("The company has no active admin to record as the token's creator."))
        token, key = create_token(company, name=name, user=admin.user)
        self.stdout.write(key)
