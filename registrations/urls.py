"""The portal's pages, each package's own (the REST API is mounted at /api/v1/ by cashback.urls)."""

from .api import urls as api
from .companies import urls as companies
from .core import urls as core
from .desk import urls as desk
from .documents import urls as documents
from .payouts import urls as payouts
from .uploads import urls as uploads

urlpatterns = [
    *core.urlpatterns,
    *companies.urlpatterns,
    *uploads.urlpatterns,
    *documents.urlpatterns,
    *payouts.urlpatterns,
    *api.page_urlpatterns,
    *desk.urlpatterns,
]
