"""Every staff API view sees the organisations its user's roles reach, as the admin does (courses/access/tenancy.py).

An object of another organisation is a 404, never a 403: `object_for` looks an object up among those
the user may see and only then asks for the permission the action needs, so a 403 is only ever about
the user's own organisation's objects. `ScopedObjectView` tells StaffModelPermissions whether the
object in the URL is visible, so that a role without the permission anywhere also gets a 404 for
another organisation's object.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import PermissionDenied

from courses.access import tenancy


def visible(request, queryset, permission: str):
    """`queryset` narrowed to the organisations where the request's user holds `permission`."""
    return tenancy.scope(queryset, request.user, permission)


def object_for(request, queryset, *, view_permission: str, permission: str | None = None, **lookup):
    """The object the URL names if the user may see it (else 404), and may act on it (else 403)."""
    obj = get_object_or_404(visible(request, queryset, view_permission), **lookup)
    if permission and permission != view_permission and not tenancy.may(request.user, permission, obj):
        raise PermissionDenied("You may see this, but your role in its organisation does not allow this action.")
    return obj


class ScopedObjectView:
    """A view whose URL names one object: `object_queryset` and `object_view_permission` say how to find it."""

    object_queryset = None
    object_view_permission = ""
    object_lookup = {"pk": "pk"}  # model field → URL keyword

    def visible_object_exists(self, request) -> bool:
        lookup = {field: self.kwargs[kwarg] for field, kwarg in self.object_lookup.items() if kwarg in self.kwargs}
        if not lookup:
            return True
        try:
            return visible(request, self.object_queryset.all(), self.object_view_permission).filter(**lookup).exists()
        except (ValueError, Http404):
            return False
