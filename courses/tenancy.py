"""Which organisations' data a user may see: the one question every scoped query asks.

Every admin list, API view, dashboard figure and staff page filters by `organizations_for(user)`.
Today every staff user sees every organisation; memberships with roles narrow it per user.
"""

from .models import Organization


def organizations_for(user):
    """The organisations whose data `user` may see, as a queryset of Organization."""
    if not (user and user.is_active and user.is_staff):
        return Organization.objects.none()
    return Organization.objects.all()
