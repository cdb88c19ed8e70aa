"""Staff views of outbound connections (secret write-only, "send a test"), their deliveries and the failures to retry."""

import json

from django import forms
from django.contrib import admin, messages

from credentials_site.admin.base import LaurelAdmin, LaurelReadOnlyTabularInline, LaurelTabularInline

from issuance.models import Connection, ConnectionMapping, OutboundDelivery, OutboundFailure
from issuance.outbound.connections import ConnectionSettingsError, connection_kinds, connection_secret_set, connection_settings_clean, connection_test
from issuance.outbound.registry import connector_for
from issuance.outbound.deliveries import delivery_retry
from issuance.outbound.tasks import outbound_enqueue


class ConnectionForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=[])
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), strip=True,
                             help_text="Write-only: leave empty to keep the stored secret. It is stored encrypted.")

    class Meta:
        model = Connection
        fields = ["organization", "kind", "name", "enabled", "settings"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "settings" not in self.fields:  # a read-only view (a viewer's): the admin shows the values, not fields
            return
        self.fields["kind"].choices = [(kind, connector_for(kind).label) for kind in connection_kinds()]
        self.fields["settings"].help_text = "A JSON object. " + " · ".join(
            f"{kind}: {', '.join(connector_for(kind).settings)}" for kind in connection_kinds())

    def clean(self):
        cleaned = super().clean()
        kind, settings = cleaned.get("kind"), cleaned.get("settings") or {}
        if kind and isinstance(settings, dict):
            try:
                cleaned["settings"] = connection_settings_clean(kind=kind, settings=settings)
                if cleaned.get("secret"):
                    self.instance.kind = kind
                    connection_secret_set(self.instance, cleaned["secret"])
                elif not self.instance.secret_encrypted and connector_for(kind).secret_label:
                    self.add_error("secret", f"Give {connector_for(kind).secret_label}.")
            except ConnectionSettingsError as exc:
                self.add_error("settings", str(exc))
        elif kind:
            self.add_error("settings", f"Settings must be a JSON object, not {json.dumps(settings)[:100]}.")
        return cleaned


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
    list_display = ["name", "kind", "organization", "enabled", "failing_since", "last_test_at", "last_test_result"]
    list_filter = ["kind", "enabled", "organization"]
    search_fields = ["name", "organization__name", "organization__slug"]
    inlines = [MappingInline]
    actions = ["send_test", "enable_selected"]
    readonly_fields = ["secret_stored", "failing_since", "disabled_reason", "last_test_at", "last_test_result"]

    @admin.display(description="Secret")
    def secret_stored(self, obj):
        return "stored (encrypted)" if obj and obj.secret_encrypted else "not set"

    @admin.action(description="Send a test (a harmless request) and show the answer", permissions=["change"])
    def send_test(self, request, queryset):
        for connection in queryset[:10]:
            result = connection_test(connection=connection)
            self.message_user(request, f"{connection}: {result}", messages.SUCCESS if result.startswith("OK") else messages.ERROR)

    @admin.action(description="Enable the selected connections again", permissions=["change"])
    def enable_selected(self, request, queryset):
        count = queryset.update(enabled=True, disabled_reason="", failing_since=None)
        self.message_user(request, f"Enabled {count} connection(s); retry their failed deliveries in Outbound failures.")


def _retry(modeladmin, request, queryset):
    retried = [d.pk for d in queryset if delivery_retry(delivery_id=d.pk, actor=request.user)]
    outbound_enqueue(delivery_ids=retried)
    skipped = queryset.count() - len(retried)
    modeladmin.message_user(request, f"Queued {len(retried)} delivery(ies) again."
                            + (f" Skipped {skipped}: not failed, or their connection is disabled." if skipped else ""))


_retry.short_description = "Retry the selected failed deliveries"
_retry.allowed_permissions = ["change"]


class DeliveryAdminBase(LaurelAdmin):
    list_display = ["created_at", "action", "connection", "issuance", "status", "attempts", "remote_id", "last_error"]
    list_filter = ["status", "action", "connection__kind", "organization"]
    search_fields = ["idempotency_key", "remote_id", "issuance__learner__email", "credential__id"]
    list_select_related = ["connection", "issuance"]
    actions = [_retry]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OutboundDelivery._meta.fields]

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
    fields = readonly_fields = ["action", "connection", "status", "attempts", "remote_id", "remote_url", "last_error", "finished_at"]
    fk_name = "issuance"
