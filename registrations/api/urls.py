from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("products/", views.Products.as_view(), name="api_products"),
    path("registrations/", views.RegistrationList.as_view(), name="api_registrations"),
    path("registrations/bulk/", views.RegistrationBulk.as_view(), name="api_registrations_bulk"),
    path("registrations/<int:pk>/", views.RegistrationDetail.as_view(), name="api_registration"),
    path("registrations/<int:pk>/documents/", views.RegistrationDocuments.as_view(), name="api_documents"),
    path("payouts/", views.Payouts.as_view(), name="api_payouts"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
]
