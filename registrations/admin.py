"""The admin pages of the registrations app (Django's admin looks for them here). Each package
registers its own; a package that adds to another's page (payouts to the company, documents to
the registration) re-registers it after that package, hence this order."""

from .companies import admin as companies  # noqa: F401
from .core import admin as core  # noqa: F401
from .documents import admin as documents  # noqa: F401
from .payouts import admin as payouts  # noqa: F401
from .uploads import admin as uploads  # noqa: F401
