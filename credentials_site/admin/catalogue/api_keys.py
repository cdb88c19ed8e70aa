"""Owners' API keys in the admin: the list, making one (its secret shown once), and revoking it, each audited."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse

from credentials_site.admin.base import LaurelAdmin, pill, short_time
from courses.access.api_keys import ApiKeyError, api_key_create, api_key_revoke
from courses.models import ApiKey


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["organization", "name", "role"]


@admin.register(ApiKey)
class ApiKeyAdmin(LaurelAdmin):
    """Only owners hold the API key permissions (courses/access/roles.py), so only they see, make and revoke keys."""

    form = ApiKeyForm
    list_display = ["name", "organization", "role", "key_prefix", "created_by", "created", "last_used", "state"]
    list_filter = ["organization", "role"]
    search_fields = ["name", "prefix"]
    list_select_related = ["organization", "created_by", "revoked_by"]
    actions = ["revoke_selected"]
    object_actions = ["revoke_selected"]
    object_action_labels = {"revoke_selected": "Revoke this key"}
    read_only_page = True

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name", "role"]
        return ["organization", "name", "role", "key_prefix", "created_by", "created_at", "last_used_at", "state",
                "revoked_at", "revoked_by"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []  # a key made is a record; revoke it instead

    def has_delete_permission(self, request, obj=None):
        return False  # a key is revoked, so its record (and who used it) stays

    @admin.display(description="key")
    def key_prefix(self, api_key):
        return f"{api_key.prefix}…"

    @admin.display(description="created", ordering="created_at")
    def created(self, api_key):
        return short_time(api_key.created_at)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, api_key):
        return short_time(api_key.last_used_at) if api_key.last_used_at else "never"

    @admin.display(description="state")
    def state(self, api_key):
        return pill("revoked", "revoked") if api_key.revoked_at else pill("active", "active")

    def object_action_applies(self, obj, name: str) -> bool:
        return obj.revoked_at is None

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            api_key, secret = api_key_create(organization=obj.organization, name=obj.name, role=obj.role,
                                             created_by=request.user)
        except ApiKeyError as exc:
            raise PermissionDenied(str(exc)) from None
        obj.pk, obj.prefix, obj.secret_hash, obj.created_at = api_key.pk, api_key.prefix, api_key.secret_hash, api_key.created_at
        obj.created_by = request.user
        obj._state.adding = False
        obj.new_secret = secret  # for response_add, on this request's object only

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the key: the answer to the POST that made it, never cached."""
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "api_key": obj, "secret": obj.new_secret,
            "change_url": reverse("admin:courses_apikey_change", args=[obj.pk]), "title": f"New API key: {obj.name}",
        }
        response = TemplateResponse(request, "admin/courses/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected API keys…", permissions=["change"])
    def revoke_selected(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True).select_related("organization"))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(request, "admin/courses/apikey/confirm_revoke.html", {
                **self.admin_site.each_context(request), "opts": self.opts, "title": "Revoke API keys",
                "keys": live, "action": "revoke_selected", "action_checkbox_name": ACTION_CHECKBOX_NAME,
            })
        revoked = sum(api_key_revoke(api_key=api_key, actor=request.user) for api_key in live)
        self.message_user(request, f"Revoked {revoked} API key{'s' if revoked != 1 else ''}: a request with "
                                   f"{'them' if revoked != 1 else 'it'} is now refused (401).", messages.SUCCESS)
        return None
