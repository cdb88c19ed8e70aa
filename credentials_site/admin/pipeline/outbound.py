"""Staff views of outbound connections (secret write-only, "send a test"), their deliveries and the failures to retry."""

import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from credentials_site.admin.base import LaurelAdmin, LaurelReadOnlyTabularInline, LaurelTabularInline, clipped, error_folded, error_plain, pill

from issuance.models import Connection, ConnectionMapping, Credential, OutboundDelivery, OutboundFailure
from issuance.outbound.connections import (
    ConnectionSettingsError, connection_call_test, connection_kinds, connection_secret_set, connection_settings_clean, connection_test,
)
from issuance.outbound.rest.config import EVENTS as REST_EVENTS, rest_presets
from issuance.outbound.registry import connector_for
from issuance.outbound.deliveries import delivery_retry
from issuance.outbound.governor import connection_paused_until
from issuance.outbound.health import connection_health, delivery_progress
from issuance.outbound.tasks import outbound_enqueue

from .connection_settings_form import settings_fieldsets, settings_form_fields, settings_from_form, settings_initial, setting_field_name
from .rest_form import rest_document, rest_fieldsets, rest_form_fields, rest_initial


class ConnectionForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=[])
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), strip=True,
                             help_text="Write-only: leave empty to keep the stored secret. It is stored encrypted.")

    class Meta:
        model = Connection
        fields = ["organization", "kind", "name", "enabled", "settings"]

    preset = forms.ChoiceField(required=False, choices=[], help_text=(
        "For a rest connection: start from a preset (its document replaces the settings; save, then change its URL in "
        "the call's fields and save again). See docs/integrations/rest.md."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" not in self.fields:  # a read-only view (a viewer's): the admin shows the values, not fields
            return
        self.fields["kind"].choices = [(kind, connector_for(kind).label) for kind in connection_kinds()]
        self.fields["preset"].choices = [("", "—")] + [(name, name) for name in rest_presets()]
        kind = self.instance.kind if self.instance.pk else ""
        if kind:  # a connection's kind is what its deliveries were made for: it stays
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "A connection keeps its kind; add another connection for another system."
            secret_label = connector_for(kind).secret_label
            if secret_label:
                stored = " A secret is stored: leave this empty to keep it." if self.instance.secret_encrypted else ""
                self.fields["secret"].help_text = f"{secret_label[:1].upper()}{secret_label[1:]}. Write-only: stored encrypted, never shown.{stored}"
        else:
            self.fields["secret"].help_text += " Per kind: " + "; ".join(
                f"{connector_for(k).label}: {connector_for(k).secret_label}" for k in connection_kinds() if connector_for(k).secret_label) + "."
        if kind == "rest" and not self.is_bound:
            self.initial.update(rest_initial(self.instance.settings or {}))
        elif kind and not self.is_bound:
            self.initial.update(settings_initial(kind, self.instance.settings or {}))
        if "settings" in self.fields:  # a new connection's page: a rest connection file may be pasted
            self.fields["settings"].required = False
            self.fields["settings"].label = "Connection file"
            self.fields["settings"].help_text = (
                "For kind rest only: paste a connection file (auth, calls, success, permanent, external_id_path, rate_limit, "
                "mappings; docs/integrations/rest.md), or use the REST API fields. Every other kind uses its settings fields.")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == "rest":  # a preset, else the fields, else the connection file box
            settings = cleaned.get("settings") or {}
            try:
                built = rest_document(cleaned)
            except forms.ValidationError as exc:
                self.add_error(None, exc)
                return cleaned
            if cleaned.get("preset"):
                settings = rest_presets()[cleaned["preset"]]["config"]
            elif built is not None:
                settings = built
            if not isinstance(settings, dict):
                self.add_error("settings" if "settings" in self.fields else None,
                               f"A connection file must be a JSON object, not {json.dumps(settings)[:100]}.")
                return cleaned
        elif kind:
            settings = settings_from_form(kind, cleaned)
        else:
            return cleaned
        try:
            cleaned["settings"] = connection_settings_clean(kind=kind, settings=settings)
            self.instance.settings = cleaned["settings"]  # the page shows fields, not a settings box
            if cleaned.get("secret"):
                self.instance.kind = kind
                connection_secret_set(self.instance, cleaned["secret"])
            elif not self.instance.secret_encrypted and connector_for(kind).secret_needed(cleaned["settings"]):
                self.add_error("secret", f"Give {connector_for(kind).secret_label}.")
        except ConnectionSettingsError as exc:
            field = setting_field_name(kind, exc.setting) if exc.setting else ("settings" if kind == "rest" else "")
            self.add_error(field if field in self.fields else None, str(exc))
        return cleaned


for _name, _field in {**rest_form_fields(), **settings_form_fields()}.items():  # declared, so the admin's fieldsets may name them
    ConnectionForm.base_fields[_name] = ConnectionForm.declared_fields[_name] = _field


class MappingFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            achievement = form.cleaned_data.get("achievement") if hasattr(form, "cleaned_data") else None
            if achievement is not None and achievement.organization_id != self.instance.organization_id:
                form.add_error("achievement", "Map an achievement of the connection's own organisation.")


class MappingInline(LaurelTabularInline):
    model = ConnectionMapping
    formset = MappingFormSet
    extra = 1
    verbose_name_plural = "Achievement → platform template / badge class / group"


@admin.register(Connection)
class ConnectionAdmin(LaurelAdmin):
    form = ConnectionForm
    list_display = ["name", "kind", "organization", "enabled", "health_col", "last_test_at", "last_test_result"]
    list_filter = ["kind", "enabled", "organization"]
    search_fields = ["name", "organization__name", "organization__slug"]
    inlines = [MappingInline]
    actions = ["send_test", "enable_selected"]
    object_actions = ["send_test"]
    object_action_labels = {"send_test": "Send a test"}
    readonly_fields = ["secret_stored", "send_a_test", "health_col", "calls_governed", "failing_since", "last_error_folded",
                       "disabled_reason", "last_test_at", "last_test_result"]

    def object_action_label(self, obj, name, actions):
        # A rest connection's "Send a test" is the call for a chosen credential (the link among its fields);
        # the button only checks the settings (and fetches an OAuth 2.0 token), so it says that.
        if name == "send_test" and obj.kind == "rest":
            return "Check the settings"
        return super().object_action_label(obj, name, actions)

    def get_inline_instances(self, request, obj=None):
        # The achievement mapping is for the badge platforms (needs_mapping); a CRM, a webhook or a rest document has none.
        if obj is not None and not connector_for(obj.kind).needs_mapping:
            return []
        return super().get_inline_instances(request, obj)

    def get_fieldsets(self, request, obj=None):
        status = ["health_col", "calls_governed", "failing_since", "last_error_folded", "disabled_reason", "last_test_at", "last_test_result"]
        if not self.has_change_permission(request, obj):  # a viewer's read-only page: the stored values
            return [(None, {"fields": ["organization", "kind", "name", "enabled", "settings", "secret_stored"]}),
                    ("Health", {"fields": status})]
        rest = obj is not None and obj.kind == "rest"
        main = ["organization", "kind", "name", "enabled", "secret", "secret_stored"] + (["send_a_test"] if obj is None or rest else [])
        fieldsets = [(None, {"fields": main})]
        if obj is None or not rest:
            fieldsets += settings_fieldsets(kind=obj.kind if obj is not None else None)
        if obj is None:
            fieldsets.append(("REST API: a preset or a connection file", {
                "fields": ["preset", "settings"], "classes": ["collapse"],
                "description": "For kind rest only: start from a preset or paste a connection file, or fill in the REST API fields below."}))
        elif rest:
            main.insert(4, "preset")
        if obj is None or rest:
            fieldsets += rest_fieldsets(collapsed=obj is None)
        return fieldsets + [("Health", {"fields": status})]

    @admin.display(description="Send a test")
    def send_a_test(self, obj):
        if obj is None or not obj.pk or obj.kind != "rest":
            return "For a saved rest connection: the exact request for a credential you choose, and its answer."
        return format_html('<a class="laurel-button" href="{}">Send a test…</a>',
                           reverse("admin:issuance_connection_send_a_test", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view(self.send_a_test_view)
        return [path("<int:pk>/send-a-test/", view, name="issuance_connection_send_a_test")] + super().get_urls()

    def send_a_test_view(self, request, pk):
        """GET: the request for the chosen credential and event, masked. POST (CSRF-checked): send it, show the answer."""
        connection = self.get_object(request, str(pk))
        if connection is None or connection.kind != "rest":
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        credentials = list(Credential.objects.filter(issuance__organization=connection.organization)
                           .select_related("issuance", "achievement").order_by("-issued_at")[:50])
        chosen = data.get("credential") or (str(credentials[0].pk) if credentials else "")
        event = data.get("event") if data.get("event") in REST_EVENTS else next(iter(connection.settings.get("calls") or {}), REST_EVENTS[0])
        context = {**self.admin_site.each_context(request), "opts": self.opts, "connection": connection, "title": f"Send a test: {connection.name}",
                   "change_url": reverse("admin:issuance_connection_change", args=[connection.pk]), "credentials": credentials,
                   "events": REST_EVENTS, "chosen_credential": chosen, "chosen_event": event}
        credential = Credential.objects.filter(issuance__organization=connection.organization, pk=chosen).first() if _uuid(chosen) else None
        if credential is None:
            context["error"] = "Choose a credential of this connection's organisation." if chosen else "No credential has been issued yet."
        else:
            try:
                context.update(connection_call_test(connection=connection, credential=credential, action=event,
                                                    send=request.method == "POST"))
                context["request_text"] = context.pop("request")
            except ConnectionSettingsError as exc:
                context["error"] = str(exc)
            if request.method == "POST":
                self.log_change(request, connection, f"Sent a test {event} call for credential {credential.pk}.")
        response = TemplateResponse(request, "admin/issuance/connection/send_a_test.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description="State", ordering="failing_since")
    def health_col(self, obj):
        if obj is None or not obj.pk:
            return "—"
        return pill(*connection_health(obj, now=timezone.now()))

    @admin.display(description="Last error")
    def last_error_folded(self, obj):
        if obj is None or not obj.last_error:
            return "—"
        return format_html("{} UTC: {}", f"{obj.last_error_at:%d %b %H:%M}", error_folded(obj.last_error))

    @admin.display(description="Calls")
    def calls_governed(self, obj):
        """The limit the connection's calls are held to, and a pause its system asked for (issuance/outbound/governor.py)."""
        if obj is None or not obj.pk:
            return "Set a rate limit to keep under the system's own: calls/seconds, e.g. 100/60."
        limit = connector_for(obj.kind).rate_limit(obj.settings or {})
        said = f"At most {limit[0]:,} calls per {limit[1]:,} s, across every worker." if limit else "No rate limit."
        paused = connection_paused_until(obj, now=timezone.now())
        if paused is not None:
            said += f" Paused until {paused:%H:%M:%S} UTC: the system asked Laurel to wait (Retry-After)."
        return said

    @admin.display(description="Stored secret")
    def secret_stored(self, obj):
        return "stored (encrypted)" if obj and obj.secret_encrypted else "not set"

    @admin.action(description="Send a test (a harmless request) and show the answer", permissions=["change"])
    def send_test(self, request, queryset):
        for connection in queryset[:10]:
            result = connection_test(connection=connection)
            self.message_user(request, format_html("{}: {}", connection, error_folded(result)),
                              messages.SUCCESS if result.startswith("OK") else messages.ERROR)

    @admin.action(description="Enable the selected connections again", permissions=["change"])
    def enable_selected(self, request, queryset):
        count = queryset.update(enabled=True, disabled_reason="", failing_since=None)
        self.message_user(request, f"Enabled {count} connection(s); retry their failed deliveries in Outbound failures.")


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _retry(modeladmin, request, queryset):
    retried = [d.pk for d in queryset if delivery_retry(delivery_id=d.pk, actor=request.user)]
    outbound_enqueue(delivery_ids=retried)
    skipped = queryset.count() - len(retried)
    modeladmin.message_user(request, f"Queued {len(retried)} delivery(ies) again."
                            + (f" Skipped {skipped}: not failed, or their connection is disabled." if skipped else ""))


_retry.short_description = "Retry the selected failed deliveries"
_retry.allowed_permissions = ["change"]


class DeliveryAdminBase(LaurelAdmin):
    list_display = ["created_at", "action", "connection", "issuance", "status_col", "attempts", "remote_id", "last_error_col"]
    list_filter = ["status", "action", "connection__kind", "organization"]
    search_fields = ["idempotency_key", "remote_id", "issuance__learner__email", "credential__id"]
    list_select_related = ["connection", "issuance"]
    actions = [_retry]

    def get_readonly_fields(self, request, obj=None):
        return [("last_error_folded" if f.name == "last_error" else f.name) for f in OutboundDelivery._meta.fields]

    @admin.display(description="Status", ordering="status")
    def status_col(self, delivery):
        return pill(delivery.status, delivery_progress(delivery))

    @admin.display(description="last error", ordering="last_error")
    def last_error_col(self, delivery):
        return clipped(error_plain(delivery.last_error), wide=True) if delivery.last_error else "—"

    @admin.display(description="Last error")
    def last_error_folded(self, delivery):
        return error_folded(delivery.last_error)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(DeliveryAdminBase):
    pass


@admin.register(OutboundFailure)
class OutboundFailureAdmin(DeliveryAdminBase):
    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OutboundDelivery.Status.FAILED)


class OutboundDeliveryInline(LaurelReadOnlyTabularInline):
    model = OutboundDelivery
    verbose_name_plural = "Outbound deliveries"
    fields = readonly_fields = ["action", "connection", "status_col", "attempts", "remote_id", "remote_url", "last_error_folded",
                                "finished_at"]
    fk_name = "issuance"

    @admin.display(description="Status")
    def status_col(self, delivery):
        return pill(delivery.status, delivery_progress(delivery))

    @admin.display(description="Last error")
    def last_error_folded(self, delivery):
        return error_folded(delivery.last_error)
