"""Permissions from memberships: a staff user holds what their roles grant (courses/access/roles.py).

Without an object, `user.has_perm("app.codename")` asks "in any of my organisations?" (the admin's
menu and its page-level checks); with an object, "in that object's organisation?". Scoping each row
to the organisations a permission is held in is courses/access/tenancy.py's, called by every admin and API
view. Superusers are answered by Django's ModelBackend.
"""

from django.contrib.auth.backends import BaseBackend

from .tenancy import may, user_role_permissions


class MembershipPermissionBackend(BaseBackend):
    def authenticate(self, request, **credentials):
        return None  # grants permissions only; signing in is ModelBackend's (through django-axes)

    def get_all_permissions(self, user_obj, obj=None):
        if not (user_obj.is_active and user_obj.is_staff) or obj is not None:
            return set()
        if not hasattr(user_obj, "_laurel_role_perm_cache"):
            user_obj._laurel_role_perm_cache = user_role_permissions(user_obj)
        return user_obj._laurel_role_perm_cache

    def has_perm(self, user_obj, perm, obj=None):
        if obj is not None:
            return may(user_obj, perm, obj)
        return perm in self.get_all_permissions(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return any(perm.split(".", 1)[0] == app_label for perm in self.get_all_permissions(user_obj))
