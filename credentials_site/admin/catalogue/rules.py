"""Rule sets and their versions in the admin: drafts, what changes, Save and publish with its confirmation."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from courses import services
from courses.access.tenancy import organizations_for
from courses.models import RuleCondition, RuleSet, RuleSetVersion
from courses.rule_descriptions import ruleset_version_changes, ruleset_version_requirements
from credentials_site.admin.base import LaurelAdmin, LaurelHistoryAdmin, LaurelTabularInline


class RuleSetVersionInline(LaurelTabularInline):
    model = RuleSetVersion
    fields = ["version_link", "status", "min_score", "min_attendance", "published_at", "frozen_at", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="version")
    def version_link(self, version):
        url = reverse("admin:courses_rulesetversion_change", args=[version.pk])
        return format_html('<a href="{}">v{}</a>', url, version.number)

    @admin.display(description="status")
    def status(self, version):
        return version_status(version)


def version_status(version: RuleSetVersion) -> str:
    """Live, draft, or superseded (published once, replaced by a newer one)."""
    if not version.is_published:
        return "draft"
    live = version.ruleset.current_version
    return "live" if live is not None and live.pk == version.pk else "superseded"


@admin.register(RuleSet)
class RuleSetAdmin(LaurelHistoryAdmin):
    list_display = ["name", "organization", "current_version_label"]
    list_filter = ["organization"]
    search_fields = ["name", "description"]
    inlines = [RuleSetVersionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.versions.exists():
            first = RuleSetVersion.objects.create(ruleset=obj, notes="First version.")
            messages.info(request, f"{first} is a draft: set its requirements, then publish it. Until then the rule set decides nothing.")

    @admin.display(description="versions")
    def current_version_label(self, ruleset):
        live, draft = ruleset.current_version, ruleset.latest_draft
        parts = [f"v{live.number} live" if live else "nothing live"]
        if draft is not None:
            parts.append(f"v{draft.number} draft")
        return " · ".join(parts)


class RuleConditionInline(LaurelTabularInline):
    model = RuleCondition
    extra = 1
    fields = ["group", "path", "operator", "value", "description"]

    def _editable(self, obj):
        return obj is None or not obj.is_locked

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class RuleSetVersionForm(forms.ModelForm):
    class Meta:
        model = RuleSetVersion
        fields = "__all__"

    def clean(self):
        # Checked against the database: the version may have been published or have decided an
        # issuance since the form was opened. The refusal is the whole answer; nothing is saved.
        locked = self.instance.pk and RuleSetVersion.locked_in_database(self.instance.pk)
        if locked:
            raise ValidationError(locked.locked_reason())
        return super().clean()


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(LaurelAdmin):
    form = RuleSetVersionForm
    list_display = ["__str__", "ruleset", "status", "min_score", "min_attendance", "published_at", "frozen_at"]
    list_filter = ["ruleset__organization", "ruleset"]
    search_fields = ["ruleset__name", "notes"]
    filter_horizontal = ["prerequisites"]
    inlines = [RuleConditionInline]
    readonly_fields = ["number", "published_at", "published_by", "frozen_at"]
    change_form_template = "admin/courses/rulesetversion/change_form.html"

    @admin.display(description="status")
    def status(self, version):
        return version_status(version)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(ruleset__organization__in=organizations_for(request.user))

    # A published or frozen version is a record: its page reads without Save or Delete (nothing on it
    # can change; "Edit as a new version" starts a draft). A save posted from a page opened while it
    # was a draft still reaches save_model, which answers with the refusal rather than a bare 403.
    def has_change_permission(self, request, obj=None):
        locked_view = obj is not None and obj.is_locked and request.method != "POST"
        return super().has_change_permission(request, obj) and not locked_view

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_locked)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return ["ruleset", "number", "min_score", "min_attendance", "prerequisites", "notes",
                    "published_at", "published_by", "frozen_at"]
        return self.readonly_fields

    def get_urls(self):
        new_version = self.admin_site.admin_view(self.new_version_view)
        publish = self.admin_site.admin_view(self.publish_view)
        return [
            path("<int:pk>/new-version/", new_version, name="courses_rulesetversion_new"),
            path("<int:pk>/publish/", publish, name="courses_rulesetversion_publish"),
        ] + super().get_urls()

    def new_version_view(self, request, pk):
        version = get_object_or_404(self.get_queryset(request), pk=pk)  # another organisation's: 404
        if request.method != "POST" or not self._holds_in(request, "add", version):
            return HttpResponseRedirect(reverse("admin:courses_rulesetversion_change", args=[pk]))
        with transaction.atomic():
            draft = services.ruleset_version_copy(version=version)
        live = draft.ruleset.current_version
        still = f"{live} stays live" if live else "nothing is live yet"
        messages.success(request, f"Created {draft} as a draft from {version}. Edit it here, then publish it; until then {still}.")
        return HttpResponseRedirect(reverse("admin:courses_rulesetversion_change", args=[draft.pk]))

    def publish_view(self, request, pk):
        """Publishing asks first, on a page listing the requirements about to go live (or saying there are
        none), and publishes only on that page's confirmation: never what the staff member has not seen."""
        version = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:courses_rulesetversion_change", args=[pk])
        # The role's permission, not the page's: a version's page is read-only once it is locked.
        if not super().has_change_permission(request, version) or version.is_published:
            return HttpResponseRedirect(change_url)
        if request.method != "POST" or request.POST.get("confirm") != "yes":
            return self._publish_confirmation(request, version)
        try:
            published = services.ruleset_version_publish(version=version, user=request.user)
        except services.VersionNotPublishable as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Published {published}: new completions are decided under it from now on.")
        return HttpResponseRedirect(change_url)

    def _publish_confirmation(self, request, version):
        live = version.ruleset.current_version
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": f"Publish {version}?", "version": version, "live_version": live,
            "requirements": ruleset_version_requirements(version=version),
            "changes": ruleset_version_changes(version=version, against=live) if live else [],
            "change_url": reverse("admin:courses_rulesetversion_change", args=[version.pk]),
        }
        return TemplateResponse(request, "admin/courses/rulesetversion/publish_confirm.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # As saved: after a refused save, `obj` carries the form's unsaved values.
            saved = RuleSetVersion.objects.select_related("ruleset").get(pk=obj.pk)
            live = saved.ruleset.current_version
            context["version_status"] = version_status(saved)
            context["live_version"] = live
            if not saved.is_published:
                context["changes_from_live"] = ruleset_version_changes(version=saved, against=live)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        try:
            super().save_model(request, obj, form, change)
        except ValidationError as exc:  # locked between the form's check and the write
            request._laurel_refused = exc.messages[0]
            messages.error(request, exc.messages[0])

    def save_related(self, request, form, formsets, change):
        if not getattr(request, "_laurel_refused", None):
            super().save_related(request, form, formsets, change)

    def response_change(self, request, obj):
        if getattr(request, "_laurel_refused", None):  # the refusal alone, not also "changed successfully"
            return HttpResponseRedirect(reverse("admin:courses_rulesetversion_change", args=[obj.pk]))
        if "_publish" in request.POST:  # "Save and publish": what the page showed is saved; now confirm it
            return HttpResponseRedirect(reverse("admin:courses_rulesetversion_publish", args=[obj.pk]))
        return super().response_change(request, obj)
