"""Admin forms made for the signed-in user: choices when one user sees several organisations (a superuser, an
owner of two), and a form given the request, to check what that user may do.

Without the choices, look-alike rows of other organisations sat side by side ("First Aid at Work" twice, the
default templates three times) and picking the wrong one was refused only after Save.
"""

from django import forms

from courses.access import tenancy
from courses.models import Organization


def object_organization_id(obj) -> int | None:
    """The organisation `obj` belongs to, following its model's path to it, or None."""
    if obj is None or getattr(obj, "pk", None) is None:
        return None
    if isinstance(obj, Organization):
        return obj.pk
    path = tenancy.organization_path(type(obj))
    if path is None:
        return None
    value = obj
    *through, last = path.split("__")
    for name in through:
        value = getattr(value, name, None)
        if value is None:
            return None
    return getattr(value, f"{last}_id", None) if last != "pk" else value.pk


def _organization_names(queryset, path: str) -> dict:
    return dict(queryset.values_list("pk", f"{path}__name")) if path != "pk" else {}


def choices_of_organization(form: forms.BaseForm, organization_id: int | None) -> None:
    """Offer only `organization_id`'s rows; with no organisation yet, name each row's organisation if they differ."""
    for field in form.fields.values():
        if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
            continue
        model = field.queryset.model
        path = tenancy.organization_path(model)
        if path is None or path == "pk":
            continue
        if organization_id is not None:
            field.queryset = field.queryset.filter(**{path: organization_id})
            continue
        names = _organization_names(field.queryset, path)
        if len(set(names.values())) > 1:
            plain = field.label_from_instance
            field.label_from_instance = lambda row, plain=plain, names=names: f"{plain(row)} — {names.get(row.pk, '')}"


def organization_choices_form(form_class, organization_id: int | None):
    """`form_class` whose related choices belong to `organization_id` (or say whose they are)."""

    class OneOrganizationChoices(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            choices_of_organization(self, organization_id)

    OneOrganizationChoices.__name__ = form_class.__name__
    return OneOrganizationChoices


def form_given_request(form_class, request):
    """`form_class` built with `request=request`, for a form that checks what the signed-in user may do."""

    class RequestForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, request=request, **kwargs)

    return RequestForm
