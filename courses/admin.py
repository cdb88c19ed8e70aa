"""The catalogue in the admin, arranged the way staff look for things."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .admin_base import LaurelAdmin, LaurelHistoryAdmin, LaurelTabularInline

from . import services
from .membership import MembershipError, member_remove, member_role_change
from .keys.admin import SigningKeyInline, rotate_signing_keys
from .defaults import organization_install_default_templates
from .expiries import course_upcoming_expiries
from .models import (
    Achievement,
    CertificateAsset,
    Course,
    EmailTemplate,
    Membership,
    Organization,
    RuleCondition,
    RuleSet,
    RuleSetVersion,
)


@admin.register(Organization)
class OrganizationAdmin(LaurelHistoryAdmin):
    list_display = ["name", "slug", "sender_email", "timezone", "locale"]
    search_fields = ["name", "slug", "sender_email"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "website"]}),
        ("Brand", {"fields": ["logo", "primary_color", "accent_color"]}),
        ("Email", {"fields": ["sender_name", "sender_email", "reply_to", "notification_email"]}),
        ("Locale", {"fields": ["timezone", "locale"]}),
        ("Open Badges", {"fields": ["issuer_id_method"]}),
    ]
    actions = [rotate_signing_keys]

    # New organisations are the installation's (organization_add, or a superuser here): an owner runs theirs.
    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_inlines(self, request, obj):
        # Keys are made when the organisation is saved, so the add form has none to show.
        return [SigningKeyInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            organization_install_default_templates(organization=obj)


@admin.register(Achievement)
class AchievementAdmin(LaurelHistoryAdmin):
    list_display = ["name", "organization", "validity_label", "tags"]
    list_filter = ["organization", "validity_unit"]
    search_fields = ["name", "description", "tags"]


class RuleSetVersionInline(LaurelTabularInline):
    model = RuleSetVersion
    fields = ["version_link", "min_score", "min_attendance", "frozen_at", "created_at"]
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


@admin.register(RuleSet)
class RuleSetAdmin(LaurelHistoryAdmin):
    list_display = ["name", "organization", "current_version_label"]
    list_filter = ["organization"]
    search_fields = ["name", "description"]
    inlines = [RuleSetVersionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.versions.exists():
            RuleSetVersion.objects.create(ruleset=obj, notes="First version.")

    @admin.display(description="current version")
    def current_version_label(self, ruleset):
        version = ruleset.current_version
        if version is None:
            return "—"
        return f"v{version.number}" + (" (frozen)" if version.is_frozen else " (draft)")


class RuleConditionInline(LaurelTabularInline):
    model = RuleCondition
    extra = 1
    fields = ["group", "path", "operator", "value", "description"]

    def _editable(self, obj):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(LaurelAdmin):
    list_display = ["__str__", "ruleset", "min_score", "min_attendance", "frozen_at"]
    list_filter = ["ruleset__organization", "ruleset"]
    search_fields = ["ruleset__name", "notes"]
    filter_horizontal = ["prerequisites"]
    inlines = [RuleConditionInline]
    readonly_fields = ["number", "frozen_at"]
    change_form_template = "admin/courses/rulesetversion/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["ruleset", "number", "min_score", "min_attendance", "prerequisites", "notes", "frozen_at"]
        return self.readonly_fields

    def get_urls(self):
        new_version = self.admin_site.admin_view(self.new_version_view)
        return [path("<int:pk>/new-version/", new_version, name="courses_rulesetversion_new")] + super().get_urls()

    def new_version_view(self, request, pk):
        version = get_object_or_404(self.get_queryset(request), pk=pk)  # another organisation's: 404
        if request.method != "POST" or not self._holds_in(request, "add", version):
            return HttpResponseRedirect(reverse("admin:courses_rulesetversion_change", args=[pk]))
        with transaction.atomic():
            draft = services.ruleset_version_copy(version=version)
        messages.success(request, f"Created {draft} from {version}. Edit it here; {version} stays as it was.")
        return HttpResponseRedirect(reverse("admin:courses_rulesetversion_change", args=[draft.pk]))

    def save_model(self, request, obj, form, change):
        try:
            super().save_model(request, obj, form, change)
        except ValidationError as exc:  # a version frozen between opening and saving the form
            messages.error(request, exc.messages[0])


@admin.register(CertificateAsset)
class CertificateAssetAdmin(LaurelHistoryAdmin):
    list_display = ["name", "kind", "organization", "uploaded_at"]
    list_filter = ["organization", "kind"]
    search_fields = ["name"]


@admin.register(EmailTemplate)
class EmailTemplateAdmin(LaurelHistoryAdmin):
    list_display = ["name", "organization", "kind", "subject", "updated_at"]
    list_filter = ["organization", "kind"]
    search_fields = ["name", "subject"]


@admin.register(Course)
class CourseAdmin(LaurelHistoryAdmin):
    list_display = ["code", "title", "organization", "achievement", "ruleset", "is_active", "sending_paused"]
    list_filter = ["organization", "is_active", "sending_paused"]
    search_fields = ["code", "title", "description"]
    list_select_related = ["organization", "achievement", "ruleset"]
    autocomplete_fields = ["next_course"]
    fieldsets = [
        (None, {"fields": ["organization", "code", "title", "description", "is_active", "sending_paused"]}),
        ("What it awards", {"fields": ["achievement", "ruleset"]}),
        ("How it looks", {"fields": ["certificate_template", "email_template"]}),
        ("What comes next", {"fields": ["next_course", "url", "renewal_url"]}),
        ("Upcoming expiries", {"fields": ["upcoming_expiries"]}),
    ]
    readonly_fields = ["upcoming_expiries"]

    @admin.display(description="Credentials ending")
    def upcoming_expiries(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        counts = course_upcoming_expiries(course=obj)
        changelist = reverse("admin:issuance_credential_changelist")
        return format_html_join(" · ", '<a href="{}?issuance__course__id__exact={}&amp;expires={}">{} in the next {} days</a>',
                                ((changelist, obj.pk, days, count, days) for days, count in counts.items()))


@admin.register(Membership)
class MembershipAdmin(LaurelAdmin):
    """Owners change their members' roles and remove members (each audited); new members come by invitation."""

    list_display = ["user", "organization", "role", "created_at", "updated_at"]
    list_filter = ["organization", "role"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "organization"]
    fields = ["user", "organization", "role", "courses"]
    filter_horizontal = ["courses"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "organization"] if obj is not None else []

    def has_add_permission(self, request):
        return request.user.is_superuser  # everyone else invites (Invitations), so the person accepts

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        wanted = obj.role
        obj.role = Membership.objects.get(pk=obj.pk).role
        try:
            member_role_change(membership=obj, role=wanted, actor=request.user)
        except MembershipError as exc:
            messages.error(request, str(exc))

    def delete_model(self, request, obj):
        try:
            member_remove(membership=obj, actor=request.user)
        except MembershipError as exc:
            messages.error(request, str(exc))

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)
