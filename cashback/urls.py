from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cashback import health
from registrations.companies.forms import QueuedPasswordResetForm
from registrations.companies.views import UnlockingPasswordResetConfirmView

admin.site.site_header = _("Cashback portal – campaign staff")
admin.site.site_title = _("Cashback admin")
admin.site.index_title = _("Campaign administration")

urlpatterns = [
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's, a PDF's).
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("health/", health.web, name="health"),
    path("health/jobs/", health.jobs, name="health_jobs"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("registrations.api.urls")),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("reset/<uidb64>/<token>/", UnlockingPasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("", include("django.contrib.auth.urls")),
    path("", include("registrations.urls")),
    path("", include("portal_sync.urls")),
]

handler400 = "registrations.api.errors.bad_request"
handler404 = "registrations.api.errors.not_found"
handler500 = "registrations.api.errors.server_error"
