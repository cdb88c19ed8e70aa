"""Sources in the admin: the dialect and its own settings, write-only secrets, mappings, recent events."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from credentials_site.admin.base import LaurelHistoryAdmin, LaurelTabularInline
from credentials_site.admin.pipeline.kajabi_hooks import KajabiHookActions
from credentials_site.admin.pipeline.source_dialects import (
    chosen_dialect, dialect_section_classes, dialect_section_description, poll_state_table, polling_announce, polling_before)
from credentials_site.admin.pipeline.google_forms_script import apps_script_download, apps_script_panel, apps_script_with_secret
from credentials_site.admin.pipeline.mapped_sample import sample_live, sample_page, sample_panel
from credentials_site.admin.pipeline.mapping_fields import FIELDSETS as MAPPING_FIELDSETS
from credentials_site.admin.pipeline.mapping_fields import MappingFields, mapping_errors_by_field, mapping_from_fields, mapping_initial
from courses.access.tenancy import organizations_for

from issuance.intake.polling import source_poll_resume
from issuance.models import Source, SourceCourseMapping, SourcePoll
from issuance.sources.configure import source_intake_url, source_secret_check, source_secret_generate
from issuance.sources.base import Dialect
from issuance.sources.mapped.mapping import MappingError, mapping_clean
from issuance.sources.mapped.presets import preset_get, preset_mapping, preset_names
from issuance.sources.registry import DIALECTS, POLLERS, source_poll_minutes
from issuance.sources.settings_schema import SettingsError, source_settings_validate

RECENT_EVENTS = 10


def _field_name(dialect: str, setting: str) -> str:
    return f"{dialect}__{setting}"


# A setting's code name (moodle_url) in words staff read (Moodle URL); the code name stays in the help,
# since the docs, `source_add` and the error messages use it.
SETTING_LABELS = {"poll_minutes": "Poll every (minutes)", "allowed_addresses": "Allowed sender addresses",
                  "ws_token": "Web service token", "jwks": "JSON Web Key Set", "jwks_url": "JSON Web Key Set URL"}
LABEL_WORDS = {"url": "URL", "api": "API", "lrs": "LRS", "cors": "CORS", "id": "ID", "moodle": "Moodle", "canvas": "Canvas"}


def _setting_label(name: str) -> str:
    if name in SETTING_LABELS:
        return SETTING_LABELS[name]
    words = [LABEL_WORDS.get(word, word) for word in name.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def _setting_field(setting) -> forms.Field:
    label, help_text = _setting_label(setting.name), f"{setting.help} (Setting {setting.name}.)"
    if setting.secret:
        return forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), label=label, help_text=help_text)
    if setting.kind in ("json_keyset", "json"):
        return forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4 if setting.kind == "json_keyset" else 24, "cols": 100}), label=label, help_text=help_text)
    return forms.CharField(required=False, label=label, help_text=help_text)


# Every dialect's settings as declared form fields, so the admin's fieldsets may name them; the
# form reads only the chosen dialect's (settings_schema.py validates them).
DialectSettingsFields = type(
    "DialectSettingsFields",
    (forms.Form,),
    {_field_name(d.name, s.name): _setting_field(s) for d in DIALECTS.values() for s in d.settings},
)


def _preset_help() -> str:
    lines = []
    for name in preset_names():
        preset = preset_get(name)
        settings = ", ".join(preset.get("settings", {})) or "none"
        lines.append(f"{name} ({preset['label']}; settings: {settings})")
    return "Fills the mapping in from a preset shipped with Laurel, replacing what the fields below hold: " + "; ".join(lines) + "."


class SourceForm(forms.ModelForm, DialectSettingsFields, MappingFields):
    mapped_preset = forms.ChoiceField(
        required=False, label="preset", choices=[("", "—")] + [(name, name) for name in preset_names()], help_text=_preset_help(),
    )
    mapped_preset_settings = forms.CharField(
        required=False, label="preset settings", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One KEY=VALUE per line, e.g. email_ref=work_email (docs/lms/<preset>.md lists each preset's settings).",
    )
    clear_secret_next = forms.BooleanField(
        required=False, label="Stop accepting the second secret",
        help_text="Once the LMS sends with the main secret (e.g. after generating a new one), tick and save.",
    )

    class Meta:
        model = Source
        fields = ["organization", "name", "slug", "dialect", "is_active", "signing_secret", "signing_secret_next", "rate_limit_per_minute", "max_events_per_request", "course_matching"]
        widgets = {
            # Write-only: a saved secret is never sent back to the browser; empty keeps it.
            "signing_secret": forms.PasswordInput(render_value=False),
            "signing_secret_next": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.generated_secret = None
        if "signing_secret" not in self.fields:  # a read-only view (a viewer's): values are shown, not fields
            return
        saved = (self.instance.settings or {}) if self.instance.pk else {}
        for dialect in DIALECTS.values():
            for setting in dialect.settings:
                field = self.fields[_field_name(dialect.name, setting.name)]
                if setting.secret and self.instance.secret_settings.get(setting.name):
                    field.help_text = setting.help + " Saved; leave empty to keep it."
                if self.instance.dialect == dialect.name and setting.name in saved and (dialect.name, setting.name) != ("mapped", "mapping"):
                    value = saved[setting.name]
                    field.initial = value if isinstance(value, str) else json.dumps(value, indent=2 if setting.kind == "json" else None)
        if self.instance.dialect == "mapped" and isinstance(saved.get("mapping"), dict):
            try:
                for name, value in mapping_initial(mapping_clean(saved["mapping"])).items():
                    self.fields[name].initial = value
            except MappingError:
                pass  # a saved mapping that no longer validates: the fields start empty, the page says why on saving
        self.fields[_field_name("mapped", "mapping")].label = "Or paste a mapping file"
        self.fields[_field_name("mapped", "mapping")].widget.attrs["rows"] = 4
        self.fields[_field_name("mapped", "mapping")].help_text = (
            "Optional: a mapping file (manage.py source_export writes one; docs/lms/mapped.md) replaces what the fields hold.")
        self.fields["signing_secret"].required = False
        kept = " Saved; leave empty to keep it." if self.instance.signing_secret else ""
        if self.instance.signing_secret_next:
            self.fields["signing_secret_next"].help_text += " One is saved and accepted; leave empty to keep it."
        generated = " On a new source, leave it empty to have Laurel make one (shown once, after saving)." if not self.instance.pk else ""
        self.fields["signing_secret"].help_text = "By dialect: " + "; ".join(f"{d.name}: {d.secret_help}" for d in DIALECTS.values()) + "." + kept + generated
        self.generated_secret = None

    def clean(self):
        cleaned = super().clean()
        dialect = DIALECTS.get(cleaned.get("dialect") or "")
        if dialect is None:
            return cleaned
        values = {s.name: self.cleaned_data.get(_field_name(dialect.name, s.name), "") for s in dialect.settings}
        if dialect.name == "mapped" and cleaned.get("mapped_preset"):
            try:
                values["mapping"] = preset_mapping(cleaned["mapped_preset"], _preset_pairs(cleaned.get("mapped_preset_settings", "")))
            except SettingsError as exc:
                raise forms.ValidationError(str(exc)) from None
        elif dialect.name == "mapped" and not (values.get("mapping") or "").strip():
            # The fields, checked where every mapping is (mapping_clean); each problem shown under its field.
            try:
                values["mapping"] = mapping_clean(mapping_from_fields(self.cleaned_data))
            except MappingError as exc:
                for field, errors in mapping_errors_by_field(exc.errors).items():
                    self.add_error(field or None, errors)
                return cleaned
        keep = self.instance.secret_settings if self.instance.pk and self.instance.dialect == dialect.name else {}
        try:
            public, secret = source_settings_validate(dialect=dialect, values=values, keep=keep)
        except SettingsError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.instance.settings, self.instance.secret_settings = public, secret
        dialect = dialect.configured(public)  # a mapped source's secret follows its mapping's scheme
        for name in ("signing_secret", "signing_secret_next"):
            if not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name) if self.instance.pk else ""
        if cleaned.get("clear_secret_next"):
            cleaned["signing_secret_next"] = ""
        if not self.instance.pk and not cleaned.get("signing_secret") and dialect.secret_generated_here and dialect.secret_required:
            # A new source with no secret typed in: make one, shown once on the answer to this save.
            self.generated_secret = cleaned["signing_secret"] = dialect.secret_generate()
        for name in ("signing_secret", "signing_secret_next"):
            if name == "signing_secret" or cleaned.get(name):
                try:
                    source_secret_check(dialect_name=dialect.name, secret=cleaned.get(name, ""), settings={**public, **secret})
                except SettingsError as exc:
                    self.add_error(name, str(exc))
        return cleaned


def _preset_pairs(text: str) -> dict:
    pairs = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"Preset settings take KEY=VALUE per line, not {line.strip()!r}.")
        pairs[key.strip()] = value.strip()
    return pairs


class SourceCourseMappingInline(LaurelTabularInline):
    model = SourceCourseMapping
    extra = 1
    autocomplete_fields = ["course"]
    verbose_name_plural = "course mapping (wins over any other way of matching)"


@admin.register(Source)
class SourceAdmin(KajabiHookActions, LaurelHistoryAdmin):
    form = SourceForm
    list_display = ["name", "slug", "organization", "dialect", "course_matching", "is_active", "polling"]
    list_filter = ["organization", "dialect", "is_active", "poll__status"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourceCourseMappingInline]
    readonly_fields = ["intake_url", "secret_generate", "test_delivery", "poll_state", "sample_panel", "apps_script"]
    change_form_template = "admin/issuance/source/change_form.html"  # the generate-secret form beside the change form
    actions = ["resume_polling", "check_connection", "register_kajabi_hooks"]
    object_actions = ["check_connection", "resume_polling", "register_kajabi_hooks"]
    object_action_labels = {"resume_polling": "Resume polling", "check_connection": "Check connection", "register_kajabi_hooks": "Register Kajabi hooks"}

    def object_action_applies(self, obj, name):
        if name == "register_kajabi_hooks":
            return obj.dialect == "kajabi"
        if name == "check_connection":
            return type(DIALECTS[obj.dialect]).connection_check is not Dialect.connection_check  # it calls an API
        return name != "resume_polling" or SourcePoll.objects.filter(source=obj, status=SourcePoll.Status.PARKED).exists()

    @admin.action(description="Check connection: call each function Laurel needs", permissions=["change"])
    def check_connection(self, request, queryset):
        """Per function, OK or what to fix, as messages on the page (manage.py source_check does the same)."""
        for source in queryset:
            checks = DIALECTS[source.dialect].connection_check(source=source)
            if checks is None:
                self.message_user(request, f"{source.name}: the {source.dialect} dialect calls no API, so there is nothing to check.",
                                  messages.INFO)
                continue
            for check in checks:
                self.message_user(request, f"{source.name} · {check.function}: {check.detail}",
                                  messages.SUCCESS if check.ok else messages.ERROR)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(organization__in=organizations_for(request.user)).select_related("poll")

    @admin.display(description="polling")
    def polling(self, source):
        minutes = source_poll_minutes(source)
        if not minutes:
            return "—"
        state = getattr(source, "poll", None)
        status = state.get_status_display() if state else "Not polled yet"
        return f"every {minutes} min · {status}"

    @admin.display(description="polling status")
    def poll_state(self, source):
        return poll_state_table(source)

    @admin.action(description="Resume polling (after fixing credentials)", permissions=["change"])
    def resume_polling(self, request, queryset):
        count = 0
        for source in queryset:
            source_poll_resume(source=source, user=request.user)
            count += 1
        self.message_user(request, f"Polling resumes for {count} source(s) at their next scheduled run.", messages.SUCCESS)

    def get_urls(self):
        generate = self.admin_site.admin_view(require_POST(self.secret_generate_view))
        sample = self.admin_site.admin_view(require_POST(lambda request, object_id: sample_page(self, request, object_id)))
        live = self.admin_site.admin_view(require_POST(lambda request, object_id: sample_live(self, request, object_id)))
        script = self.admin_site.admin_view(lambda request, object_id: apps_script_download(self, request, object_id))
        return [path("<path:object_id>/generate-secret/", generate, name="issuance_source_generate_secret"),
                path("<path:object_id>/sample/", sample, name="issuance_source_sample"),
                path("<path:object_id>/sample.json", live, name="issuance_source_sample_live"),
                path("<path:object_id>/apps-script/", script, name="issuance_source_apps_script")] + super().get_urls()

    @admin.display(description="Apps Script")
    def apps_script(self, source):
        return apps_script_panel(source)

    @admin.display(description="paste a delivery")
    def sample_panel(self, source):
        return sample_panel(source)

    def secret_generate_view(self, request, object_id):
        """POST only (CSRF-checked by the admin): a new secret, shown on this one answer and never again."""
        source = self.get_object(request, object_id)
        if source is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        try:
            source, secret, previous = source_secret_generate(source_id=source.pk)
        except SettingsError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:issuance_source_change", args=[source.pk]))
        # Recorded as the admin records the signing-key rotation: who, when, which source; never the secret.
        self.log_change(request, source, "Generated a new secret" + ("; the previous one stays accepted as the second secret." if previous else "."))
        return self._secret_page(request, source, secret, previous=bool(previous))

    def _secret_page(self, request, source, secret: str, *, previous: bool):
        """The one page that shows a secret: the answer to the POST that made it, never cached."""
        dialect = DIALECTS[source.dialect].configured(source.settings)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "source": source, "secret": secret,
            "previous": previous, "dialect": dialect, "change_url": reverse("admin:issuance_source_change", args=[source.pk]),
            "intake_url": source_intake_url(source), "title": f"New secret for {source.name}",
            "script": apps_script_with_secret(source, secret),
        }
        response = TemplateResponse(request, "admin/issuance/source/secret_generated.html", context)
        response["Cache-Control"] = "no-store"  # the secret is on this page: no copy in any cache
        return response

    class Media:
        js = ["laurel/source-dialect.js"]  # the chosen dialect's settings open, the others out of the way

    def save_model(self, request, obj, form, change):
        obj.polling_before = polling_before(obj)  # as saved, before this save (its mappings are saved after)
        super().save_model(request, obj, form, change)
        obj.generated_secret = form.generated_secret  # for response_add, on this request's object only

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        polling_announce(self, request, form.instance, getattr(form.instance, "polling_before", 0))  # never switched on silently

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "generated_secret", None):
            return self._secret_page(request, obj, obj.generated_secret, previous=False)
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="new secret")
    def secret_generate(self, source):
        if not source.pk:
            return "Save the source first; then generate its secret here."
        dialect = DIALECTS.get(source.dialect)
        if dialect is None or not dialect.secret_generated_here:
            return f"Not for this dialect: its secret is {dialect.secret_help if dialect else 'unknown'}."
        # The form lives outside the change form (change_form.html); `form=` makes this button submit it.
        return format_html(
            '<button type="submit" form="source-secret-generate" class="button">Generate a new secret</button>'
            '<div class="help" style="margin-left:0;padding-left:0">Laurel makes a secret in the {} format and shows it to you once. The current secret '
            "stays accepted as the second secret (replacing what that held) until you clear it, so deliveries keep "
            "arriving while you paste the new one into the LMS.</div>",
            dialect.name,
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["organization", "name", "slug", "dialect", "is_active", "intake_url"]}),
            ("Authentication", {"fields": ["signing_secret", "signing_secret_next", "clear_secret_next", "secret_generate", "rate_limit_per_minute", "max_events_per_request"]}),
        ]
        if not self.has_change_permission(request, obj):
            # Read-only pages show every field's value: the secrets stay with those who may change them (owners).
            fieldsets[1] = ("Authentication", {"fields": ["rate_limit_per_minute", "max_events_per_request"]})
        chosen = chosen_dialect(request, obj) or Source._meta.get_field("dialect").default
        for dialect in DIALECTS.values():
            if dialect.settings:
                names = [_field_name(dialect.name, s.name) for s in dialect.settings]
                if dialect.name == "mapped":
                    names = ["mapped_preset", "mapped_preset_settings", *names]
                classes = dialect_section_classes(dialect.name, chosen)
                fieldsets.append((f"{dialect.label} settings", {"fields": names, "description": dialect_section_description(dialect),
                                                                "classes": classes}))
                if dialect.name == "mapped":  # the mapping's parts open and close with the mapped dialect's section
                    fieldsets += [(title, {"fields": fields, "classes": classes}) for title, fields in MAPPING_FIELDSETS]
        fieldsets.append(("Courses", {"fields": ["course_matching"]}))
        if obj is not None and obj.dialect == "google_forms":
            fieldsets.append(("The form's Apps Script: paste it into the form's script editor", {"fields": ["apps_script"]}))
        if obj is not None and obj.dialect in POLLERS:
            fieldsets.append(("Polling", {"fields": ["poll_state"]}))
        if obj is not None:
            fieldsets.append(("Test delivery: the last events and what became of them", {"fields": ["test_delivery"]}))
        if obj is not None and obj.dialect == "mapped" and self.has_change_permission(request, obj):
            fieldsets.append(("Sample delivery: what the mapping makes of it", {"fields": ["sample_panel"]}))
        return fieldsets

    @admin.display(description="intake URL")
    def intake_url(self, source):
        if not source.pk:
            return "Shown once the source is saved."
        # As wide as its column allows (a fixed size=80 pushed the page past 1280 px), selectable to copy.
        return format_html('<input type="text" readonly class="laurel-copyable" value="{}" aria-label="Intake URL">',
                           source_intake_url(source))

    @admin.display(description="recent events")
    def test_delivery(self, source):
        events = source.events.prefetch_related("issuances").order_by("-received_at")[:RECENT_EVENTS]
        if not events:
            return "Nothing received yet: send a test completion from the LMS, then reload this page."

        def outcome(event):
            issuance = next(iter(event.issuances.all()), None)
            if event.status == "parked":
                return event.park_reason
            if event.status == "ignored":
                return event.ignored_reason
            return issuance.get_state_display() if issuance else ""

        rows = format_html_join(
            "", '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            ((f"{e.received_at:%Y-%m-%d %H:%M:%S}", reverse("admin:issuance_completionevent_change", args=[e.pk]), e.external_id, e.get_status_display(), outcome(e)) for e in events),
        )
        return format_html('<table class="laurel-related"><tr><th>received</th><th>event id</th><th>status</th><th>outcome</th></tr>{}</table>', rows)
