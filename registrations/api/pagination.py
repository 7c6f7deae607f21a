from django.core.paginator import Page
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import replace_query_param


class Pages(PageNumberPagination):
    """`page` from 1 and `page_size` up to 100. A page past the last is empty (its `next` is
    null), so a client polling with a page number never trips over a shrinking list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        return self._number(request, self.page_size_query_param, self.page_size, maximum=self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = self._number(request, self.page_query_param, 1)
        self.request = request
        self.page = paginator.page(number) if number <= paginator.num_pages else Page([], number, paginator)
        return list(self.page)

    def get_previous_link(self):
        last = self.page.paginator.num_pages
        if self.page.number > last:  # past the end: "previous" is the last page
            return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, last)
        return super().get_previous_link()

    def _number(self, request, name, default, maximum=None):
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or (maximum is not None and value > maximum):
            message = _("A number from 1 to %(max)d.") % {"max": maximum} if maximum else _("A number from 1.")
            raise ValidationError({name: [message]})
        return value

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = f"Results per page, at most {self.max_page_size} (default {self.page_size})."
            else:
                parameter["description"] = "Page number, from 1; a page past the last is empty."
        return parameters
