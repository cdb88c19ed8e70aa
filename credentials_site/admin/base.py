"""The base classes every Laurel admin page is built on.

Each ModelAdmin and inline in the product inherits from one of these, so what all admin pages share
(the admin theme, django-unfold; scoping to the organisations a user may see) is written once, here.

Scoping lives in mixins (`OrganizationScopedMixin`, `OrganizationScopedHistoryMixin`) that compose
with whichever ModelAdmin class the product's theme uses: every list, change page, action, inline,
choice in a form, autocomplete, list filter and history page shows only rows of the organisations the
user's roles reach with the permission that page needs (courses/access/tenancy.py). Another organisation's
object answers 404, never 403. A model reaches its organisation by its `organization` field, by
declaring `organization_path`, or an admin declares `organization_path` for its model.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_permission_codename
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin
from unfold import widgets as unfold_widgets
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from courses.access import tenancy
from issuance.outgoing.guard import TECHNICAL
from courses.models import Organization
from courses.access.tenancy import organizations_for
from credentials_site.admin.choices import object_organization_id, organization_choices_form
from credentials_site.admin.navigation import sidebar_title


class OrganizationScopedMixin:
    """Scopes a ModelAdmin or an inline to the user's organisations and the role's permissions."""

    organization_path: str | None = None  # e.g. "course__organization"; None: the model's own

    def scoped_permission(self, action: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.{get_permission_codename(action, opts)}"

    def scoped(self, request, queryset, action: str = "view"):
        return tenancy.scope(queryset, request.user, self.scoped_permission(action), path=self.organization_path)

    def _holds_in(self, request, action: str, obj) -> bool:
        """Whether the user holds this model's `action` permission in `obj`'s organisation."""
        if request.user.is_superuser:
            return True
        if isinstance(obj, self.model):
            rows = self.model._default_manager.filter(pk=obj.pk)
            return self.scoped(request, rows, action).exists()
        # An inline asked about its parent: this model's permission, in the parent's organisation.
        return tenancy.scope(type(obj)._default_manager.filter(pk=obj.pk), request.user,
                             self.scoped_permission(action)).exists()

    def get_queryset(self, request):
        return self.scoped(request, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return self._holds_in(request, "view", obj) or self._holds_in(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._holds_in(request, "change", obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._holds_in(request, "delete", obj))

    # Choices in forms (foreign keys, many-to-many, autocomplete widgets): the organisations where the
    # user may add or change this model, and their rows.
    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        related = db_field.remote_field.model
        path = tenancy.organization_path(related)
        if path is None or request.user.is_superuser:
            return queryset
        if queryset is None:
            queryset = related._default_manager.using(db).all()
        organizations = (tenancy.organizations_for(request.user, self.scoped_permission("change"))
                         | tenancy.organizations_for(request.user, self.scoped_permission("add")))
        return queryset.filter(**{f"{path}__in": organizations})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not self._in_own_organizations(request, object_id, from_field):
            # Not one of the user's organisations' (or no such object): the same 404 either way, before
            # any permission check could answer 403 and so confirm that it exists.
            raise Http404(f"No {self.model._meta.verbose_name} with id {object_id!r} here.")
        return obj

    def _in_own_organizations(self, request, object_id, from_field=None) -> bool:
        field = self.model._meta.get_field(from_field) if from_field else self.model._meta.pk
        try:
            value = field.to_python(object_id)
        except (ValidationError, ValueError):
            return False
        rows = self.model._default_manager.filter(**{field.attname: value})
        return tenancy.scope(rows, request.user, None, path=self.organization_path).exists()

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"No {opts.verbose_name} with id {object_id!r} here.")


class OrganizationScopedModelAdminMixin(OrganizationScopedMixin):
    """What only a ModelAdmin has: list filters, actions."""

    def get_list_filter(self, request):
        # A related filter lists only values present in the user's own rows, never every organisation's.
        filters = []
        for item in super().get_list_filter(request):
            name, kind = (item, None) if isinstance(item, str) else (item if isinstance(item, tuple) else (None, item))
            if name is not None and kind in (None, admin.RelatedFieldListFilter) and self._is_relation(name):
                filters.append((name, admin.RelatedOnlyFieldListFilter))
            else:
                filters.append(item)
        return filters

    def get_changeform_initial_data(self, request):
        """A new row's organisation is filled in when the user may add it in just one (most staff)."""
        initial = super().get_changeform_initial_data(request)
        field = next((f for f in self.model._meta.fields if f.is_relation and f.related_model is Organization), None)
        if field is not None and field.name not in initial:
            organizations = list(tenancy.organizations_for(request.user, self.scoped_permission("add"))
                                 .values_list("pk", flat=True)[:2])
            if len(organizations) == 1:
                initial[field.name] = organizations[0]
        return initial

    def _is_relation(self, name: str) -> bool:
        try:
            return bool(get_fields_from_path(self.model, name)[-1].is_relation)
        except (FieldDoesNotExist, AttributeError):
            return False

    def get_action(self, action):
        # An action runs only on the selected rows of organisations where the user holds its permissions.
        found = super().get_action(action)
        if found is None:
            return None
        func, name, description = found
        permissions = getattr(func, "allowed_permissions", ()) or ("view",)

        def scoped_action(modeladmin, request, queryset):
            for permission in permissions:
                queryset = modeladmin.scoped(request, queryset, permission)
            return func(modeladmin, request, queryset)

        if hasattr(func, "allowed_permissions"):  # an empty tuple would hide the action from everyone
            scoped_action.allowed_permissions = func.allowed_permissions
        scoped_action.short_description = description
        scoped_action.__name__ = getattr(func, "__name__", name)
        return scoped_action, name, description


class OrganizationScopedHistoryMixin:
    """History pages of another organisation's object are 404 too (django-simple-history)."""

    def _visible_or_404(self, request, object_id):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404(f"No {self.model._meta.verbose_name} with id {object_id!r} here.")

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class RequiredChoiceStartsBlankMixin:
    """A required choice without a default starts blank, as in Django's own admin.

    unfold offers the blank choice only for fields with blank=True; without it an inline's spare row
    arrives with the first choice picked, counts as filled in, and fails validation (a rule
    condition's operator), so the whole page cannot be saved.
    """

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if "choices" not in kwargs and db_field.name not in self.radio_fields:
            kwargs["choices"] = db_field.get_choices(include_blank=db_field.blank or not db_field.has_default(),
                                                     blank_choice=[("", "Select value")])
        return super().formfield_for_choice_field(db_field, request, **kwargs)


# A plain Django widget on a field the form declares itself (a write-only secret, a dialect's setting,
# a choice) is not reached by unfold's formfield_overrides, which only cover model fields: it would
# be drawn with no border and no background. Each gets unfold's own widget, keeping its attributes.
THEMED_WIDGETS = {
    forms.TextInput: lambda w: unfold_widgets.UnfoldAdminTextInputWidget(w.attrs),
    forms.PasswordInput: lambda w: unfold_widgets.UnfoldAdminPasswordWidget(w.attrs, render_value=w.render_value),
    forms.Textarea: lambda w: unfold_widgets.UnfoldAdminTextareaWidget(w.attrs),
    forms.NumberInput: lambda w: unfold_widgets.UnfoldAdminIntegerFieldWidget(w.attrs),
    forms.EmailInput: lambda w: unfold_widgets.UnfoldAdminEmailInputWidget(w.attrs),
    forms.URLInput: lambda w: unfold_widgets.UnfoldAdminURLInputWidget(w.attrs),
    forms.Select: lambda w: unfold_widgets.UnfoldAdminSelectWidget(w.attrs, w.choices),
    forms.CheckboxInput: lambda w: unfold_widgets.UnfoldBooleanSwitchWidget(w.attrs),
    forms.DateInput: lambda w: forms.DateInput({**w.attrs, "class": " ".join(unfold_widgets.INPUT_CLASSES)}, w.format),
    forms.ClearableFileInput: lambda w: unfold_widgets.UnfoldAdminFileFieldWidget(w.attrs),
    forms.FileInput: lambda w: unfold_widgets.UnfoldAdminFileFieldWidget(w.attrs),
}


class ThemedWidgetsForm:
    """Swaps a form's plain widgets for unfold's once its fields exist (after any subclass's own __init__ ran)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # this form's own copies of the fields
            make = THEMED_WIDGETS.get(type(field.widget))
            if make is not None and "class" not in field.widget.attrs:  # a widget given its own classes keeps them
                field.widget = make(field.widget)
                field.widget.is_required = field.required


def themed_form(form_class):
    """`form_class` drawing every field with the theme's widgets, whichever form (declared, built, subclassed) it is."""
    return type(form_class.__name__, (ThemedWidgetsForm, form_class), {})


class ThemedFormsMixin:
    """Every field of an admin page's form and inline rows drawn with the theme's widgets."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        return themed_form(super().get_form(request, obj, change, **kwargs))


class ThemedInlineFormsMixin:
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = themed_form(formset.form)
        return formset


class LaurelAdmin(ThemedFormsMixin, RequiredChoiceStartsBlankMixin, OrganizationScopedModelAdminMixin, ModelAdmin):
    """A model's admin pages, in the unfold theme.

    A list's organisation column is left out for a user who sees only one organisation: it would
    say the same thing on every row and push the columns that differ off a 1280 px screen.
    """

    ORGANIZATION_COLUMNS = ("organization", "organization_col")
    change_form_template = "admin/laurel/change_form.html"
    # A record page (an issuance, a credential, an event, a sent email, an audit record): nothing on
    # it is edited, so it shows no Save; what can be done to it are `object_actions` buttons.
    read_only_page = False
    # Names of the list's actions offered as buttons on one object's page; each posts that one row
    # to the list's action, so the same confirmation page and checks apply.
    object_actions: list[str] = []
    object_action_labels: dict[str, str] = {}  # a button's words, when the list action's speak of "selected"

    def object_action_applies(self, obj, name: str) -> bool:
        """Whether `name` makes sense for `obj` now (a resume for a parked issuance only, …)."""
        return True

    def object_action_label(self, obj, name: str, actions) -> str:
        """The words on `name`'s button on `obj`'s page."""
        return self.object_action_labels.get(name) or str(actions[name][2]).rstrip("…")

    def related_links(self, request, obj) -> list[tuple[str, str]]:
        """(label, url) pairs to the objects around this one, shown at the top of its page."""
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            actions = self.get_actions(request)
            context["laurel_object_actions"] = [
                {"name": name, "label": self.object_action_label(obj, name, actions),
                 "danger": name in DANGEROUS_ACTIONS}
                for name in self.object_actions if name in actions and self.object_action_applies(obj, name)
            ]
            context["laurel_related_links"] = self.related_links(request, obj)
        if self.read_only_page and not add:
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False,
                           show_save_as_new=False, show_delete=False, show_delete_link=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def response_action(self, request, queryset):
        """An action pressed on one object's page comes back to that page, with its message, not to the list."""
        response = super().response_action(request, queryset)
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if (request.POST.get("laurel_from_object") and isinstance(response, HttpResponseRedirect) and len(selected) == 1
                and self.get_queryset(request).filter(pk=selected[0]).exists()):
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[selected[0]]))
        return response

    def get_form(self, request, obj=None, change=False, **kwargs):
        return organization_choices_form(super().get_form(request, obj, change, **kwargs), object_organization_id(obj))

    def changelist_view(self, request, extra_context=None):
        # The list is titled as the sidebar names it ("Events received", not "Completion events").
        title = sidebar_title(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return super().changelist_view(request, {"title": title, **(extra_context or {})} if title else extra_context)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if any(c in self.ORGANIZATION_COLUMNS for c in columns) and organizations_for(request.user).count() <= 1:
            columns = [c for c in columns if c not in self.ORGANIZATION_COLUMNS]
        return columns


DANGEROUS_ACTIONS = {"revoke_selected", "suspend_selected", "discard_selected"}


class LaurelHistoryAdmin(OrganizationScopedHistoryMixin, SimpleHistoryAdmin, LaurelAdmin):
    """A model's admin pages with its change history (django-simple-history, styled by unfold.contrib.simple_history)."""


class LaurelInlineMixin(ThemedInlineFormsMixin, RequiredChoiceStartsBlankMixin, OrganizationScopedMixin):
    """Inline rows: the inline's model scoped like a ModelAdmin, its permissions asked of the parent's organisation."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = organization_choices_form(formset.form, object_organization_id(obj))
        return formset

    def has_add_permission(self, request, obj=None):
        allowed = super().has_add_permission(request, obj)
        return allowed and (obj is None or self._holds_in(request, "add", obj))


class LaurelTabularInline(LaurelInlineMixin, TabularInline):
    """Related rows shown as a table on their parent's page."""


class LaurelReadOnlyTabularInline(LaurelTabularInline):
    """A record of what happened, shown on its parent's page: nobody adds, changes or deletes a row here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LaurelStackedInline(LaurelInlineMixin, StackedInline):
    """Related rows shown as forms on their parent's page."""


def error_folded(text):
    """An error as staff read it: the plain sentence, with the technical detail (if any) folded away."""
    if not text:
        return "—"
    plain, marker, detail = str(text).partition(TECHNICAL)
    if not marker:
        return plain
    return format_html('{}<details class="laurel-technical"><summary>Technical detail</summary><code>{}</code></details>',
                       plain.strip(), detail.strip())


def error_plain(text) -> str:
    """The plain sentence of an error, for a list's one line."""
    return str(text or "").partition(TECHNICAL)[0].strip()


def clipped(value, *, wide: bool = False):
    """A long value on one line of a list, cut with an ellipsis; the full text on hover (title)."""
    text = "" if value is None else str(value)
    if not text:
        return "—"
    return format_html('<span class="laurel-clip{}" title="{}">{}</span>', " laurel-clip-wide" if wide else "", text, text)


PILL_TONES = {
    "ok": {"active", "synced", "delivered", "sent", "processed", "eligible", "done"},
    "warn": {"parked", "suspended", "held", "queued", "sending", "accepted", "ineligible", "duplicate", "expired"},
    "bad": {"revoked", "failed", "bounced", "complained", "discarded"},
}


def pill(value: str, label: str, *, title: str = ""):
    """A status as a short coloured label that never wraps (`title`: more on hover)."""
    tone = next((name for name, values in PILL_TONES.items() if value in values), "")
    return format_html('<span class="laurel-pill{}" title="{}">{}</span>', f" laurel-pill-{tone}" if tone else "", title or label, label)


def short_time(moment):
    """A time in a list, short enough for one line: '1 Dec 14:05' this year, '1 Dec 2025' before; full on hover."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    shown = f"{local:%-d %b %H:%M}" if local.year == timezone.localtime().year else f"{local:%-d %b %Y}"
    return format_html('<span title="{}">{}</span>', local.isoformat(timespec="seconds"), shown)
