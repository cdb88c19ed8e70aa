"""Who may call the staff API: the same people, with the same model permissions, as in the admin.

Every view names the permissions it needs (`required_permissions`); a view that names none falls
back to Django's model permissions for its queryset, with reading needing `view_`; a view with
neither is refused, so a new endpoint cannot open itself by forgetting.

A user holds a permission through their memberships' roles (courses/access/roles.py); which rows they see
is the views' scoping (scoping.py). A user without the permission anywhere who names another
organisation's object (or one that does not exist) gets the 404 everyone gets for it, not a 403.
"""

from rest_framework.exceptions import NotFound
from rest_framework.permissions import DjangoModelPermissions


class StaffModelPermissions(DjangoModelPermissions):
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False  # the admin lets no one else in either
        required = getattr(view, "required_permissions", None)
        if required is not None:
            allowed = user.has_perms(required)
        elif getattr(view, "queryset", None) is None:
            return False
        else:
            allowed = super().has_permission(request, view)
        if not allowed and hasattr(view, "visible_object_exists") and not view.visible_object_exists(request):
            raise NotFound()
        return allowed
