"""Pages of a list: `?page=2&page_size=50`, at most MAX_PAGE_SIZE rows a page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 1000


class ApiPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = "Page number (from 1); a page past the last is a 404."
    page_size_query_description = f"Rows a page (default 100, at most {MAX_PAGE_SIZE})."

    def get_schema_operation_parameters(self, view):  # type: ignore[no-untyped-def]
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = MAX_PAGE_SIZE
        return parameters


PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description=ApiPagination.page_query_description,
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        OpenApiParameter.QUERY,
        description=ApiPagination.page_size_query_description,
    ),
]


def page_of(child: serializers.Serializer, name: str) -> serializers.Serializer:
    """The schema of one page of `child` rows, for a function view that paginates by hand."""
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(help_text="rows in all pages"),
            "next": serializers.URLField(allow_null=True, help_text="the next page, if any"),
            "previous": serializers.URLField(allow_null=True),
            "results": child,
        },
    )
