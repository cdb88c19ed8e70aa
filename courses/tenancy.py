"""Which organisations' data a user may see: the one question every scoped query asks.

Every admin list, API view, dashboard figure and staff page filters by `organizations_for(user)`.
Today every staff user sees every organisation; memberships with roles narrow it per user.
"""

from .models import Course, Organization


def organizations_for(user):
    """The organisations whose data `user` may see, as a queryset of Organization."""
    if not (user and user.is_active and user.is_staff):
        return Organization.objects.none()
    return Organization.objects.all()


def roster_courses_for(user):
    """The courses `user` may type completions in for (roster forms, issuing one credential by hand)."""
    return Course.objects.filter(organization__in=organizations_for(user))
