"""Query parameters of the list endpoints: each bad value is a 400 naming the parameter, never a 500."""

from datetime import date

from django.core.paginator import InvalidPage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


def date_param(params, name: str) -> date | None:
    """A YYYY-MM-DD parameter as a date; 2026-02-30, 2026-13-45 or 0000-00-00 is refused."""
    value = params.get(name)
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"Expected a real date as YYYY-MM-DD, got {value[:40]!r}."}) from None


def text_param(params, name: str) -> str | None:
    """A free-text filter (an email, a code, a slug); one no database can hold (a NUL character, which
    PostgreSQL refuses in a query) matches nothing anywhere, so it is a 400 naming the parameter."""
    value = params.get(name)
    if value and "\x00" in value:
        raise ValidationError({name: "The value holds a NUL character, which no " + name + " can contain."})
    return value or None


def choice_param(params, name: str, choices: list[str]) -> str | None:
    value = params.get(name)
    if value and value not in choices:
        raise ValidationError({name: f"Unknown {name} {value[:40]!r}; one of {', '.join(choices)}."})
    return value or None


class PagesOr400(PageNumberPagination):
    """Page numbers as DRF's, but a page that is not a number or does not exist is a 400 saying so."""

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:  # DRF's answer to the paginator's InvalidPage
            if isinstance(exc.__context__, InvalidPage):
                raise ValidationError({self.page_query_param: str(exc.detail)}) from None
            raise


# What a 400 says: each parameter in error with its message, e.g. {"created_after": "Expected …"}.
BAD_FILTER = OpenApiResponse(OpenApiTypes.OBJECT, description="A filter or page that is not valid; the body names it.")
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description='No such object: {"detail": "…"}.')
