"""Which organisations' data a user may see and change: the one question every scoped query asks.

A user reaches an organisation through a `Membership` with one role; the role's permissions are in
courses/access/roles.py. Superusers (the installation's operators) reach every organisation with every
permission. Every admin list, API view, dashboard figure and staff page filters by
`organizations_for(user, permission)`; an object outside it is a 404, never a 403.

Each scoped model names its way to its organisation: a model with an `organization` field needs
nothing; others declare `organization_path` (e.g. `"issuance__organization"`), and the organisation
itself is `"pk"`; a model whose rows reach it more than one way declares `organization_scope(queryset,
organizations)` instead. A model with none of these is seen by superusers only.
"""

from django.contrib.auth.models import Permission
from django.db.models import F, Q

from ..models import Course, Membership, Organization, Role
from .roles import ALL, OWNED_APPS, ROLE_PERMISSIONS, owner_holds, role_permissions


def _is_staff(user) -> bool:
    return bool(user and user.is_active and user.is_staff)


def _api_key(user):
    """The organisation API key a request's principal stands for (courses/access/api_keys.py), or None for a user.

    A key reaches its one organisation with its one role, as a membership would."""
    return getattr(user, "api_key", None)


def role_grants(role: str, permission: str) -> bool:
    declared = ROLE_PERMISSIONS.get(role, set())
    if declared == ALL:
        return owner_holds(permission)
    return permission in role_permissions(role, all_permissions=set())


def roles_granting(permission: str) -> list[str]:
    return [role for role in Role.values if role_grants(role, permission)]


def organizations_for(user, permission: str | None = None):
    """The organisations whose data `user` may see (or, given a permission, act on), as a queryset."""
    if not _is_staff(user):
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    if (key := _api_key(user)) is not None:
        if permission is not None and not role_grants(key.role, permission):
            return Organization.objects.none()
        return Organization.objects.filter(pk=key.organization_id)
    memberships = Membership.objects.filter(user=user)
    if permission is not None:
        memberships = memberships.filter(role__in=roles_granting(permission))
    return Organization.objects.filter(pk__in=memberships.values("organization_id"))


def roster_courses_for(user):
    """The courses `user` may type completions in for (roster forms, issuing one credential by hand).

    Owners and operators: every course of their organisations; facilitators: the courses their
    membership gives them."""
    if not _is_staff(user):
        return Course.objects.none()
    if user.is_superuser:
        return Course.objects.all()
    if (key := _api_key(user)) is not None:
        return Course.objects.filter(organization_id=key.organization_id) if key.role in (Role.OWNER, Role.OPERATOR) \
            else Course.objects.none()
    whole = Membership.objects.filter(user=user, role__in=[Role.OWNER, Role.OPERATOR]).values("organization_id")
    given = Membership.courses.through.objects.filter(
        membership__user=user, membership__role=Role.FACILITATOR,
        course__organization_id=F("membership__organization_id"),
    ).values("course_id")
    return Course.objects.filter(Q(organization_id__in=whole) | Q(pk__in=given))


def role_in(user, organization) -> str | None:
    """The user's role in one organisation, or None."""
    if (key := _api_key(user)) is not None:
        return key.role if key.organization_id == getattr(organization, "pk", organization) else None
    return Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()


def user_role_permissions(user) -> set[str]:
    """Every permission any of the user's memberships grants somewhere (what the admin menu offers)."""
    if not _is_staff(user):
        return set()
    if (key := _api_key(user)) is not None:
        return role_permissions(key.role, all_permissions=set())
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if not roles:
        return set()
    granted: set[str] = set()
    for role in roles:
        if ROLE_PERMISSIONS.get(role) == ALL:
            granted |= role_permissions(role, all_permissions={f"{app}.{codename}" for app, codename in Permission.objects.filter(
                content_type__app_label__in=OWNED_APPS).values_list("content_type__app_label", "codename")})
        else:
            granted |= role_permissions(role, all_permissions=set())
    return granted


def organization_path(model) -> str | None:
    """How `model`'s rows reach their organisation, as a lookup path, or None if they do not."""
    if issubclass(model, Organization):
        return "pk"
    declared = getattr(model, "organization_path", None)
    if declared:
        return declared
    names = {field.name for field in model._meta.get_fields()}
    return "organization" if "organization" in names else None


def scope(queryset, user, permission: str | None = None, *, path: str | None = None):
    """`queryset` narrowed to the organisations `user` may see (or act on with `permission`)."""
    if _is_staff(user) and user.is_superuser:
        return queryset
    organizations = organizations_for(user, permission)
    custom = getattr(queryset.model, "organization_scope", None)
    if path is None and custom is not None:  # a model whose rows reach their organisation more than one way
        return custom(queryset, organizations)
    path = path or organization_path(queryset.model)
    if path is None:
        return queryset.none()
    queryset = queryset.filter(**{f"{path}__in": organizations})
    if issubclass(queryset.model, Course) and _api_key(user) is None:  # a facilitator sees only the courses their membership gives
        facilitating = Membership.objects.filter(user=user, role=Role.FACILITATOR)
        given = Membership.courses.through.objects.filter(membership__in=facilitating).values("course_id")
        queryset = queryset.exclude(Q(organization_id__in=facilitating.values("organization_id")) & ~Q(pk__in=given))
    return queryset


def organization_id_of(obj, path: str | None = None):
    """The organisation id `obj` belongs to, following its path (None when it belongs to none)."""
    path = path or organization_path(type(obj))
    if path is None:
        return None
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def may(user, permission: str, obj) -> bool:
    """Whether `user` holds `permission` in the organisation `obj` belongs to."""
    if not _is_staff(user):
        return False
    if user.is_superuser:
        return True
    return scope(type(obj)._default_manager.filter(pk=obj.pk), user, permission).exists()
