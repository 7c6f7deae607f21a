from django.db import models


class CompanyScopedQuerySet(models.QuerySet):
    """The one place that scopes a model with a `company` to an installer company.

    Views, exports, downloads and the API all start here, so another company's object is a
    404 everywhere. A missing company (a user without membership) sees nothing.
    """

    def for_company(self, company):
        if company is None:
            return self.none()
        return self.filter(company=company)
