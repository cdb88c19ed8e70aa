"""Programmes in the admin: made and edited here, with where each learner stands on the programme's page."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from audit.services import audit_record
from courses.models import Achievement, Course, Programme, ProgrammeConstituent
from courses.programmes import ProgrammeError, programme_course_create
from credentials_site.admin.base import LaurelHistoryAdmin, LaurelTabularInline
from credentials_site.admin.catalogue.programme_backfill import programme_backfill_offer, programme_backfill_view
from issuance.models import Credential, Learner, ProgrammeAward
from issuance.programmes.awards import learner_programme_progress

PROGRESS_LISTED = 100


class ProgrammeConstituentInline(LaurelTabularInline):
    model = ProgrammeConstituent
    fields = ["achievement", "required", "position"]
    extra = 3
    min_num = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "achievement":
            field.help_text = "What the learner must hold: a course's achievement, or another programme's."
        return field


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["organization", "code", "name", "required_count", "within_days", "only_while_valid", "ordered",
                  "on_constituent_revoked"]

    def clean(self):
        cleaned = super().clean()
        organization, code = cleaned.get("organization"), cleaned.get("code")
        if self.instance.pk is None and organization and code:
            if Course.objects.filter(organization=organization, code=code).exists():
                self.add_error("code", f"{organization.slug} already has a course or programme with the code {code}.")
        if self.instance.pk is None and organization and cleaned.get("name"):
            if Achievement.objects.filter(organization=organization, name=cleaned["name"]).exists():
                self.add_error("name", "An achievement with this name exists; the programme's own needs another.")
        return cleaned


@admin.register(Programme)
class ProgrammeAdmin(LaurelHistoryAdmin):
    form = ProgrammeForm
    list_display = ["code", "name", "organization", "requirement", "on_constituent_revoked", "holders"]
    list_filter = ["organization", "on_constituent_revoked"]
    search_fields = ["code", "name"]
    list_select_related = ["organization", "course", "course__achievement"]
    inlines = [ProgrammeConstituentInline]
    fieldsets = [
        (None, {"fields": ["organization", "code", "name"]}),
        ("What it requires", {"fields": ["required_count", "within_days", "only_while_valid", "ordered"]}),
        ("When a constituent is revoked or expires", {"fields": ["on_constituent_revoked"]}),
        ("Its credential", {"fields": ["own_course"]}),
        ("Progress", {"fields": ["progress"]}),
    ]
    readonly_fields = ["own_course", "progress"]

    def get_readonly_fields(self, request, obj=None):
        # The code names its course and achievement; change those on the course's page.
        return [*self.readonly_fields, "organization", "code"] if obj is not None else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj is not None else self.fieldsets[:3]

    @admin.display(description="Requires")
    def requirement(self, obj):
        return obj.requirement_label

    @admin.display(description="Holders")
    def holders(self, obj):
        return Credential.objects.filter(achievement_id=obj.course.achievement_id, status=Credential.Status.ACTIVE).count()

    @admin.display(description="Achievement, certificate and email")
    def own_course(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            'Issued through the course <a href="{}">{}</a> (its certificate template and email) and the achievement '
            '<a href="{}">{}</a> (its badge, validity and renewal).',
            reverse("admin:courses_course_change", args=[obj.course_id]), obj.course.code,
            reverse("admin:courses_achievement_change", args=[obj.course.achievement_id]), obj.course.achievement.name)

    @admin.display(description="Learners")
    def progress(self, obj):
        """Each learner holding a constituent: where they stand, and their programme credential if awarded."""
        if obj is None or obj.pk is None:
            return "—"
        learners = Learner.objects.filter(
            credentials__achievement__programme_constituents__programme=obj).distinct().order_by("email")[:PROGRESS_LISTED]
        awarded = dict(ProgrammeAward.objects.filter(programme=obj, closed_at__isnull=True).values_list("learner_id", "issuance_id"))
        rows, waiting = [], 0
        for learner in learners:
            progress = learner_programme_progress(learner=learner, programme=obj)
            if learner.pk in awarded:
                status = "awarded"
            elif progress.satisfied:  # they held everything before the programme existed
                status, waiting = "satisfies it, not awarded yet", waiting + 1
            else:
                status = "in progress"
            rows.append((learner.email, progress.summary, status))
        if not rows:
            return "No learner holds any of its constituents yet."
        note = format_html('{} learner(s) listed already satisfy it without an award: <a href="{}">backfill</a> to award '
                           "it to them now, or they get it when their next constituent credential is issued.", waiting,
                           reverse("admin:courses_programme_backfill", args=[obj.pk])) if waiting else ""
        return format_html("<p>{}</p><table class=\"laurel-table\"><tr><th>Learner</th><th>Progress</th><th>Programme</th></tr>{}</table>", note,
                           format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows))

    def related_links(self, request, obj):
        return [("Backfill: award it to the learners who already satisfy it",
                 reverse("admin:courses_programme_backfill", args=[obj.pk]))]

    def get_urls(self):
        backfill = self.admin_site.admin_view(lambda request, pk: programme_backfill_view(self, request, pk))
        return [path("<int:pk>/backfill/", backfill, name="courses_programme_backfill")] + super().get_urls()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the constituents are saved: the requirement is whole
        programme_backfill_offer(self, request, form.instance)

    def save_model(self, request, obj, form, change):
        if not change:
            try:
                with transaction.atomic():
                    obj.course = programme_course_create(organization=obj.organization, code=obj.code, name=obj.name)
            except ProgrammeError as exc:
                raise ValidationError(str(exc)) from exc
        super().save_model(request, obj, form, change)
        audit_record(
            organization=obj.organization_id, from_state="" if not change else "changed", to_state="created" if not change else "changed",
            actor_kind="staff", actor_user=request.user, actor_label=request.user.get_username(),
            detail=f"Programme {obj.code} “{obj.name}” {'changed' if change else 'created'} in the admin: "
                   f"{', '.join(form.changed_data) or 'no field changed'}.",
        )
