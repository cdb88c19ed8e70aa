"""The catalogue's half of "Set up a course": one course with its achievement, draft rules and looks, live only at the end.

Each function saves one page of the guided set-up (credentials_site/admin/setup/) and moves the
`CourseSetup` on, so staff can leave and come back. The course stays inactive and its rules stay
a draft (v1) until `course_setup_go_live`, which publishes them through `ruleset_version_publish`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from .models import (Achievement, CertificateTemplate, CertificateTemplateVariant, Course, CourseSetup, EmailTemplate,
                     Organization, RuleSet, RuleSetVersion)
from .services import ruleset_version_publish

Step = CourseSetup.Step
STEPS = list(Step)


@dataclass
class CoursePlan:
    """What the first page asks: the course, the achievement it awards, and what it takes."""

    title: str
    code: str
    description: str
    criteria: str = ""  # empty: written from the requirements when they are published
    image: object = None
    min_score: Decimal | None = None
    min_attendance: Decimal | None = None
    prerequisites: list[Achievement] = field(default_factory=list)
    validity_amount: int | None = None
    validity_unit: str = ""


def course_setup_start(*, organization: Organization, user) -> CourseSetup:
    return CourseSetup.objects.create(organization=organization, started_by=user)


def _step_reached(setup: CourseSetup, step: str) -> None:
    if STEPS.index(step) > STEPS.index(setup.step):
        setup.step = step


@transaction.atomic
def course_setup_course_save(*, setup: CourseSetup, plan: CoursePlan) -> Course:
    """Create (or, on a resumed set-up, update) the inactive course, its achievement and its draft v1."""
    organization = setup.organization
    course = setup.course
    achievement = course.achievement if course else Achievement(organization=organization)
    achievement.name = plan.title
    achievement.description = plan.description
    achievement.criteria_follows_rules = not plan.criteria.strip()
    # Until the rules are published the criteria cannot be read from them; they are rewritten then.
    achievement.criteria_narrative = plan.criteria.strip() or f"Completed {plan.title}."
    if plan.image:
        achievement.image = plan.image
    achievement.validity_amount = plan.validity_amount
    achievement.validity_unit = plan.validity_unit if plan.validity_amount else ""
    achievement.full_clean()
    achievement.save()

    ruleset = course.ruleset if course else RuleSet(organization=organization)
    ruleset.name = f"{plan.code} requirements"
    ruleset.full_clean()
    ruleset.save()
    draft = ruleset.latest_draft or RuleSetVersion(ruleset=ruleset, notes="Made by the guided set-up.")
    draft.min_score, draft.min_attendance = plan.min_score, plan.min_attendance
    draft.full_clean(exclude=["number"])
    draft.save()
    draft.prerequisites.set([held for held in plan.prerequisites if held.organization_id == organization.pk])

    course = course or Course(organization=organization, is_active=False)
    course.code, course.title, course.description = plan.code, plan.title, plan.description
    course.achievement, course.ruleset = achievement, ruleset
    course.full_clean()
    course.save()
    setup.course = course
    _step_reached(setup, Step.LOOK)
    setup.save()
    return course


@transaction.atomic
def course_setup_look_save(*, setup: CourseSetup, design: CertificateTemplate, email_template: EmailTemplate,
                           primary_color: str | None = None, accent_color: str | None = None, logo=None) -> Course:
    """The course's own certificate, started from `design`, its credential email, and (if given) the brand."""
    course = setup.course
    organization = setup.organization
    if design.organization_id != organization.pk or email_template.organization_id != organization.pk:
        raise ValidationError("Choose a design and an email of this organisation.")
    if email_template.kind != EmailTemplate.Kind.CREDENTIAL:
        raise ValidationError("Choose a credential email.")
    brand = {"primary_color": primary_color, "accent_color": accent_color, "logo": logo}
    changed = [name for name, value in brand.items() if value]
    if changed:
        for name in changed:
            setattr(organization, name, brand[name])
        organization.full_clean()
        organization.save()
    own = course.certificate_template if course.certificate_template_id and course.certificate_template.name == _own_name(course) else None
    if own is None or design.pk != own.pk:
        own = own or CertificateTemplate(organization=organization, name=_own_name(course))
        own.html, own.css, own.page_size, own.orientation = design.html, design.css, design.page_size, design.orientation
        own.language = design.language
        own.full_clean()
        own.save()
        _versions_copy(design=design, own=own)
    course.certificate_template, course.email_template = own, email_template
    course.full_clean()
    course.save()
    _step_reached(setup, Step.SOURCE)
    setup.save()
    return course


def _versions_copy(*, design: CertificateTemplate, own: CertificateTemplate) -> None:
    """The design's versions in other languages come with it, in place of the course's own, as one new version."""
    copies = [CertificateTemplateVariant(template=own, language=variant.language, html=variant.html, css=variant.css)
              for variant in design.variants.all()]
    dropped, _ = own.variants.all().delete()  # the queryset's delete: one new version below, not one per row
    CertificateTemplateVariant.objects.bulk_create(copies)
    if dropped or copies:
        own.version += 1
        own.save(update_fields=["version", "updated_at"])


def _own_name(course: Course) -> str:
    return f"{course.code} certificate"


def course_setup_completions_save(*, setup: CourseSetup, completions_from: str, note: str) -> None:
    setup.completions_from, setup.completions_note = completions_from, note[:300]
    _step_reached(setup, Step.LIVE)
    setup.save()


def course_setup_without_requirements(*, setup: CourseSetup) -> bool:
    draft = setup.course.ruleset.latest_draft if setup.course and setup.course.ruleset else None
    return draft is not None and draft.min_score is None and draft.min_attendance is None and not draft.prerequisites.exists()


@transaction.atomic
def course_setup_go_live(*, setup: CourseSetup, user) -> bool:
    """Publish v1 of the course's rules and make the course active: from here its completions are issued.

    False if the set-up was already live (a second click, or another tab): nothing more is done."""
    locked = CourseSetup.objects.select_for_update().get(pk=setup.pk)  # the row only: its course is nullable
    if locked.live_at is not None:
        return False
    course = locked.course
    draft = course.ruleset.latest_draft if course.ruleset else None
    if draft is not None:
        ruleset_version_publish(version=draft, user=user)
    Course.objects.filter(pk=course.pk).update(is_active=True)
    locked.live_at = timezone.now()
    locked.save(update_fields=["live_at", "updated_at"])
    audit_record(
        from_state="draft", to_state="live", actor_kind="staff", actor_user=user, actor_label=user.get_username(),
        organization=locked.organization, detail=f"Course {course} went live from the guided set-up.",
    )
    setup.refresh_from_db()
    course.refresh_from_db()
    return True
