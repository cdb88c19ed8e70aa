"""The catalogue in the admin, arranged the way staff look for things."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.widgets import UnfoldAdminColorInputWidget

from courses import services
from courses.access.membership import MembershipError, member_remove, member_role_change
from courses.access.tenancy import organizations_for
from courses.defaults import organization_install_default_templates
from courses.models import Achievement, AchievementText, CertificateAsset, Course, Membership, Organization
from courses.rule_descriptions import achievement_criteria_disagreements, achievement_live_criteria
from credentials_site.admin.base import LaurelAdmin, LaurelHistoryAdmin, LaurelStackedInline
from credentials_site.admin.brand import logo_contrast_warning
from credentials_site.admin.catalogue.signing_keys import SigningKeyInline, rotate_signing_keys
from credentials_site.admin.dashboard import engagement_chart
from credentials_site.admin.setup.urls import course_setup_urls
from issuance.engagement.figures import engagement_rates
from issuance.reports import course_upcoming_expiries, month_start


@admin.register(Organization)
class OrganizationAdmin(LaurelHistoryAdmin):
    list_display = ["name", "slug", "sender_email", "timezone", "locale"]
    search_fields = ["name", "slug", "sender_email"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "website"]}),
        ("Brand", {"fields": ["logo", "primary_color", "accent_color", "logo_on_band"]}),
        ("Email", {"fields": ["sender_name", "sender_email", "reply_to", "notification_email"]}),
        ("Locale", {"fields": ["timezone", "date_order", "locale", "language"]}),
        ("Open Badges", {"fields": ["issuer_id_method"]}),
        ("Privacy", {"fields": ["raw_body_retention_days", "count_engagement"]}),
        ("Copies to others", {"fields": ["copy_manager", "copy_to", "copy_attach_pdf"],
                              "description": "Who else gets the news of each credential (a course may set its own)."}),
    ]
    actions = [rotate_signing_keys]
    readonly_fields = ["logo_on_band"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A swatch and the browser's picker instead of a free-text hex box; it posts the same #rrggbb.
        if db_field.name in ("primary_color", "accent_color"):
            kwargs["widget"] = UnfoldAdminColorInputWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="As learners see it")
    def logo_on_band(self, organization):
        """The logo on the band of the primary colour that heads every email and the public page."""
        if organization is None or organization.pk is None:
            return "Save to see the logo on its band as emails and the public page show it."
        band = format_html(
            '<div class="laurel-brand-band" style="background-color:{};border-bottom:4px solid {};padding:16px 24px;max-width:560px;border-radius:6px 6px 0 0">{}</div>',
            organization.primary_color, organization.accent_color,
            format_html('<img src="{}" alt="{}" height="48" style="display:block;height:48px;max-width:240px">', organization.logo.url, organization.name)
            if organization.logo else format_html('<span style="font:bold 22px Georgia,serif;color:#FFFFFF">{}</span>', organization.name),
        )
        warning = logo_contrast_warning(organization) if organization.logo else None
        return format_html("{}{}", band, format_html('<p class="errornote laurel-contrast-warning">{}</p>', warning) if warning else "")

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


class AchievementTextInline(LaurelStackedInline):
    model = AchievementText
    fields = ["language", "name", "description"]
    extra = 0
    verbose_name_plural = "Name and description in other languages"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["language"].help_text = (
            "Learners whose language this is get this name and description in their Open Badges credential; "
            "learners of a language listed nowhere here get the name and description above.")
        return formset


@admin.register(Achievement)
class AchievementAdmin(LaurelHistoryAdmin):
    inlines = [AchievementTextInline]
    list_display = ["name", "organization", "validity_label", "tags"]
    list_filter = ["organization", "validity_unit"]
    search_fields = ["name", "description", "tags"]
    readonly_fields = ["badge_shown", "criteria_from_rules"]
    change_form_template = "admin/courses/achievement/change_form.html"

    def get_fields(self, request, obj=None):
        # The badge beside the image field that replaces it, not after every other field.
        fields = [name for name in super().get_fields(request, obj) if name != "badge_shown"]
        at = fields.index("image") + 1 if "image" in fields else len(fields)
        return [*fields[:at], "badge_shown", *fields[at:]]

    @admin.display(description="Badge")
    def badge_shown(self, achievement):
        # The image learners and verifiers see: the uploaded one, or the badge Laurel draws in the brand colours.
        if achievement is None or achievement.pk is None:
            return "Saved achievements show their badge here: the image you upload, or one drawn from the name and the organisation's colours."
        whose = "The image uploaded below" if achievement.image else "Drawn by Laurel from the name and the organisation's colours; upload an image below to use your own"
        return format_html(
            '<img src="{}" alt="The badge of {}" width="120" height="120" class="laurel-badge-preview"><p class="help">{}.</p>',
            reverse("ob2-badge-image", args=[achievement.pk]), achievement.name, whose,
        )

    @admin.display(description="Criteria from the live rules")
    def criteria_from_rules(self, achievement):
        if achievement is None or achievement.pk is None:
            return "—"
        text = achievement_live_criteria(achievement=achievement)
        warnings = achievement_criteria_disagreements(achievement=achievement)
        return format_html(
            "{}{}", text or "No active course awards this achievement yet.",
            format_html_join("", '<p class="errornote laurel-criteria-warning">{}</p>', ((w,) for w in warnings)),
        )

    def get_urls(self):
        regenerate = self.admin_site.admin_view(self.criteria_regenerate_view)
        return [path("<int:pk>/criteria-from-rules/", regenerate, name="courses_achievement_criteria")] + super().get_urls()

    def criteria_regenerate_view(self, request, pk):
        achievement = get_object_or_404(Achievement.objects.filter(organization__in=organizations_for(request.user)), pk=pk)
        change_url = reverse("admin:courses_achievement_change", args=[pk])
        if request.method != "POST" or not self.has_change_permission(request, achievement):
            return HttpResponseRedirect(change_url)
        services.achievement_criteria_regenerate(achievement=achievement)
        messages.success(request, f"The criteria of {achievement} now read: {achievement.criteria_narrative}")
        return HttpResponseRedirect(change_url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            for warning in achievement_criteria_disagreements(achievement=obj):
                messages.warning(request, warning)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(CertificateAsset)
class CertificateAssetAdmin(LaurelHistoryAdmin):
    list_display = ["name", "kind", "organization", "uploaded_at"]
    list_filter = ["organization", "kind"]
    search_fields = ["name"]


# EmailTemplate's admin (with its live preview and test send) is registered in credentials_site/admin/pipeline/email_templates.py.


@admin.register(Course)
class CourseAdmin(LaurelHistoryAdmin):
    list_display = ["code", "title", "organization", "achievement", "ruleset", "is_active", "sending_paused"]
    list_filter = ["organization", "is_active", "sending_paused"]
    search_fields = ["code", "title", "description"]
    list_select_related = ["organization", "achievement", "ruleset"]
    autocomplete_fields = ["next_course"]

    def related_links(self, request, obj):
        """Typing this course's completions in: a session's roster, or one credential by hand (docs/in-person.md)."""
        if not obj.is_active:
            return []
        links = []
        if request.user.has_perm("issuance.enter_roster"):
            links.append(("New session roster", reverse("admin:issuance_roster_add") + f"?course={obj.pk}"))
        if request.user.has_perm("issuance.issue_by_hand"):
            links.append(("Issue one credential", reverse("admin:issuance_handissue_add") + f"?course={obj.pk}"))
        return links
    fieldsets = [
        (None, {"fields": ["organization", "code", "title", "description", "is_active", "sending_paused"]}),
        ("What it awards", {"fields": ["achievement", "ruleset"]}),
        ("How it looks", {"fields": ["certificate_template", "email_template", "language"]}),
        ("What comes next", {"fields": ["next_course", "url", "renewal_url", "retake_url"]}),
        ("Copies to others", {"fields": ["copies_own", "copy_manager", "copy_to", "copy_attach_pdf", "copy_email_template"],
                              "description": "Without “own copy settings”, the organisation's copy settings apply."}),
        ("Upcoming expiries", {"fields": ["upcoming_expiries"]}),
        ("After sending (credentials issued in the last 30 days)", {"fields": ["engagement"]}),
    ]
    readonly_fields = ["upcoming_expiries", "engagement"]
    change_list_template = "admin/courses/course/change_list.html"  # "Set up a course" beside "Add"

    def get_urls(self):
        return course_setup_urls(self.admin_site) + super().get_urls()

    @admin.display(description="Viewed, downloaded, added")
    def engagement(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        now = timezone.now()
        chart = engagement_chart(engagement_rates(course=obj, start=month_start(now=now), end=now))
        return render_to_string("admin/laurel/engagement_chart.html", {"chart": chart})

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

    list_display = ["user", "organization", "role", "from_sign_in", "created_at", "updated_at"]
    list_filter = ["organization", "role", "from_sign_in"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "organization"]
    fields = ["user", "organization", "role", "from_sign_in", "courses"]
    filter_horizontal = ["courses"]

    def get_readonly_fields(self, request, obj=None):
        # A membership a sign-in rule made follows the provider's claims: its role is changed in the rules.
        return ["user", "organization", "from_sign_in"] if obj is not None else ["from_sign_in"]

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
