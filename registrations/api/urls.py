from django.urls import path
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import pages, views

# The company admin's pages for tokens (mounted with the portal's pages).
page_urlpatterns = [
    path("company/api-tokens/", pages.api_tokens, name="api_tokens"),
    path("company/api-tokens/<int:pk>/revoke/", pages.revoke_api_token, name="revoke_api_token"),
]

# The REST API (mounted at /api/v1/).
urlpatterns = [
    path("products/", views.Products.as_view(), name="api_products"),
    path("registrations/", views.RegistrationList.as_view(), name="api_registrations"),
    path("registrations/bulk/", views.RegistrationBulk.as_view(), name="api_registrations_bulk"),
    path("registrations/<int:pk>/", views.RegistrationDetail.as_view(), name="api_registration"),
    path("registrations/<int:pk>/documents/", views.RegistrationDocuments.as_view(), name="api_documents"),
    path("payouts/", views.Payouts.as_view(), name="api_payouts"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script as a file: the pages' policy forbids inline script.
    # Swagger UI sets inline styles as it draws; this page alone allows them (scripts stay files).
    path("docs/", csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api_schema")),
         name="api_docs"),
]
