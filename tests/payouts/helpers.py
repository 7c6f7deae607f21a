"""Helpers of the payout tests: finance users, a client for them, a batch from start to paid."""

from datetime import date

from django.contrib.auth.models import Permission
from django.test import Client

from registrations.companies.models import User
from registrations.payouts import selectors
from registrations.payouts import services as payouts
from tests.conftest import PASSWORD

ALL = selectors.Selection()


def finance_user(email):
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True, first_name=email.split("@")[0])
    user.user_permissions.add(Permission.objects.get(codename="manage_payouts"))
    return user


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def paid_batch(alice, bob, selection=ALL):
    batch = payouts.create_batch(selection, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    return payouts.mark_paid(batch, actor=bob, executed_on=date(2026, 6, 15))
