from django.urls import path

from . import views

urlpatterns = [
    path("company/bank/", views.bank_details, name="bank_details"),
    path("payouts/", views.payout_list, name="payouts"),
    path("payouts/<int:pk>/specification.xlsx", views.payout_specification, name="payout_specification"),
    path("finance/", views.batches, name="finance_batches"),
    path("finance/new/", views.new_batch, name="finance_new_batch"),
    path("finance/<int:pk>/", views.batch_detail, name="finance_batch"),
    path("finance/<int:pk>/approve/", views.approve, name="finance_approve"),
    path("finance/<int:pk>/cancel/", views.cancel, name="finance_cancel"),
    path("finance/<int:pk>/export/", views.export, name="finance_export"),
    path("finance/<int:pk>/void/", views.void, name="finance_void"),
    path("finance/<int:pk>/paid/", views.paid, name="finance_paid"),
    # Last: its second part would match the steps above.
    path("finance/<int:pk>/<str:which>/", views.batch_file, name="finance_batch_file"),
]
