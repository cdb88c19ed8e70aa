"""Who may call the staff API: the same people, with the same model permissions, as in the admin.

Every view names the permissions it needs (`required_permissions`); a view that names none falls
back to Django's model permissions for its queryset, with reading needing `view_`; a view with
neither is refused, so a new endpoint cannot open itself by forgetting.
"""

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
            return user.has_perms(required)
        if getattr(view, "queryset", None) is None:
            return False
        return super().has_permission(request, view)
