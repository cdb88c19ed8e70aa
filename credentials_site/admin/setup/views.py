"""Set up a course: from nothing to a first credential in four pages, each saved so staff can leave and resume.

1. what it awards and requires (organisation first if the installation has none), 2. certificate and
email, 3. where completions come from, 4. test and go live. The writes are the catalogue's services
(courses/setup.py) and the hand-issue intake; these views only draw the pages and scope them: a set-up
is seen only by those who may add courses in its organisation, another's is a 404.
"""

import copy
import hashlib
import logging
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from courses.access.membership import MembershipError, organization_add
from courses.access.tenancy import may, organizations_for
from courses.models import CertificateTemplate, CourseSetup, EmailTemplate
from courses.rule_descriptions import ruleset_version_requirements
from courses.setup import (
    CoursePlan, course_setup_completions_save, course_setup_course_save, course_setup_go_live, course_setup_look_save,
    course_setup_start, course_setup_without_requirements,
)
from courses.validators import validate_hex_color
from credentials_site.admin.pipeline.typed_in_outcomes import event_outcome
from credentials_site.admin.setup.forms import CompletionsStepForm, CourseStepForm, LookStepForm, OrganizationStepForm
from issuance.certificates.preview import Preview, template_preview
from issuance.email.render import EmailTemplateError, email_render
from issuance.email.samples import email_sample_context
from issuance.intake.hand_issue import hand_issue_test_to_self
from issuance.models import CompletionEvent, OutboxMessage, Source, SourceCourseMapping

logger = logging.getLogger(__name__)
ADD_COURSE = "courses.add_course"
Step = CourseSetup.Step
PAGES = [(Step.COURSE, "course"), (Step.LOOK, "look"), (Step.SOURCE, "completions"), (Step.LIVE, "live")]


def _organizations(request):
    return organizations_for(request.user, ADD_COURSE).order_by("name")


def _setup_or_404(request, pk) -> CourseSetup:
    setups = CourseSetup.objects.filter(organization__in=_organizations(request)).select_related("organization", "course")
    return get_object_or_404(setups, pk=pk)


def _page(request, admin_site, template: str, setup: CourseSetup | None, step: str, **context):
    reached = [s for s, _ in PAGES].index(setup.step) if setup else 0
    steps = [] if not step else [
        {"label": label, "number": n, "current": s == step,
         "url": reverse(f"admin:course_setup_{name}", args=[setup.pk]) if setup and n - 1 <= reached else ""}
        for n, ((s, name), label) in enumerate(zip(PAGES, Step.labels), start=1)
    ]
    return TemplateResponse(request, f"admin/laurel/setup/{template}", {
        **admin_site.each_context(request), "title": "Set up a course", "setup": setup, "steps": steps,
        "badge_url": _badge_url(setup), **context,
    })


def _badge_url(setup: CourseSetup | None) -> str:
    """The achievement's badge, its address naming what it is drawn from, so a browser that kept the
    picture in the old colours (its Cache-Control allows it) fetches the new one."""
    if setup is None or setup.course is None:
        return ""
    achievement, organization = setup.course.achievement, setup.organization
    drawn_from = "|".join([achievement.name, achievement.image.name or "", organization.primary_color, organization.accent_color])
    return reverse("ob2-badge-image", args=[achievement.pk]) + "?drawn=" + hashlib.sha256(drawn_from.encode()).hexdigest()[:12]


def setup_index(request, *, admin_site):
    """Set-ups not yet live, to resume; with none, straight to the first page."""
    if not request.user.is_superuser and not _organizations(request).exists():
        raise PermissionDenied("Your role cannot create courses in any organisation; an owner or editor can.")
    unfinished = CourseSetup.objects.filter(organization__in=_organizations(request), live_at__isnull=True).select_related("course", "organization")
    if not unfinished.exists():
        return HttpResponseRedirect(reverse("admin:course_setup_new"))
    pages = dict(PAGES)
    rows = [(item, reverse(f"admin:course_setup_{pages[item.step]}", args=[item.pk])) for item in unfinished]
    return _page(request, admin_site, "index.html", None, "", unfinished=rows)


def setup_new(request, *, admin_site):
    organizations = _organizations(request)
    if not organizations.exists():
        return _organization_page(request, admin_site)
    return _course_page(request, admin_site, None, organizations)


def _organization_page(request, admin_site):
    if not request.user.is_superuser:
        raise PermissionDenied("Your role cannot create courses in any organisation; an owner or editor can.")
    form = OrganizationStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization_add(slug=form.cleaned_data["slug"], name=form.cleaned_data["name"], sender=form.cleaned_data["sender"])
        except MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("admin:course_setup_new"))
    return _page(request, admin_site, "organization.html", None, "", form=form)  # before the steps


def _live_already(request, setup: CourseSetup):
    """A course that went live is changed on its own pages (its rules by a new version), never by the set-up again."""
    if setup.live_at is None:
        return None
    messages.info(request, f"{setup.course} is live: change it from Courses, and its requirements as a new rule version.")
    return HttpResponseRedirect(reverse("admin:course_setup_live", args=[setup.pk]))


def setup_course(request, pk, *, admin_site):
    setup = _setup_or_404(request, pk)
    if (live := _live_already(request, setup)) is not None:
        return live
    return _course_page(request, admin_site, setup, _organizations(request).filter(pk=setup.organization_id))


def _course_page(request, admin_site, setup, organizations):
    initial = {}
    if setup and setup.course:
        course, achievement = setup.course, setup.course.achievement
        draft = course.ruleset.latest_draft or course.ruleset.current_version if course.ruleset else None
        initial = {
            "organization": setup.organization, "title": course.title, "code": course.code, "description": course.description,
            "criteria": "" if achievement.criteria_follows_rules else achievement.criteria_narrative,
            "validity_amount": achievement.validity_amount, "validity_unit": achievement.validity_unit,
            "min_score": draft and draft.min_score, "min_attendance": draft and draft.min_attendance,
            "prerequisites": list(draft.prerequisites.all()) if draft else [],
            "no_requirements": course_setup_without_requirements(setup=setup),
        }
    form = CourseStepForm(request.POST or None, request.FILES or None, organizations=organizations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = CoursePlan(
            title=data["title"], code=data["code"], description=data["description"], criteria=data["criteria"],
            image=data["image"], min_score=data["min_score"], min_attendance=data["min_attendance"],
            prerequisites=list(data["prerequisites"]), validity_amount=data["validity_amount"], validity_unit=data["validity_unit"],
        )
        setup = setup or course_setup_start(organization=data["organization"], user=request.user)
        try:
            course_setup_course_save(setup=setup, plan=plan)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            return _next(request, setup, "look")
    return _page(request, admin_site, "course.html", setup, Step.COURSE, form=form)


def _errors_onto(form, exc: ValidationError) -> None:
    for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
        target = {"name": "title", "code": "code", "__all__": None}.get(field, field)
        form.add_error(target if target in form.fields else None, errors)


def _next(request, setup, name):
    if "save_and_leave" in request.POST:
        messages.success(request, f"Saved. Resume the set-up of {setup.course} from “Set up a course” whenever you like.")
        return HttpResponseRedirect(reverse("admin:index"))
    return HttpResponseRedirect(reverse(f"admin:course_setup_{name}", args=[setup.pk]))


def setup_look(request, pk, *, admin_site):
    setup = _setup_or_404(request, pk)
    if (live := _live_already(request, setup)) is not None:
        return live
    if setup.course is None:
        return HttpResponseRedirect(reverse("admin:course_setup_course", args=[setup.pk]))
    organization = setup.organization
    brand_editable = may(request.user, "courses.change_organization", organization)
    course = setup.course
    initial = {"primary_color": organization.primary_color, "accent_color": organization.accent_color,
               "email_template": course.email_template_id or EmailTemplate.objects.filter(
                   organization=organization, kind=EmailTemplate.Kind.CREDENTIAL).values_list("pk", flat=True).first()}
    form = LookStepForm(request.POST or None, request.FILES or None, setup=setup, brand_editable=brand_editable, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course_setup_look_save(setup=setup, design=data["design"], email_template=data["email_template"],
                                   primary_color=data.get("primary_color"), accent_color=data.get("accent_color"), logo=data.get("logo"))
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            return _next(request, setup, "completions")
    email_id = form["email_template"].value()
    email = EmailTemplate.objects.filter(organization=organization, kind=EmailTemplate.Kind.CREDENTIAL, pk=email_id if str(email_id).isdigit() else 0).first()
    return _page(request, admin_site, "look.html", setup, Step.LOOK, form=form, brand_editable=brand_editable,
                 email=_email_preview(email, course),
                 preview_url=reverse("admin:course_setup_preview", args=[setup.pk]),
                 email_preview_url=reverse("admin:course_setup_email_preview", args=[setup.pk]))


def _email_preview(template: EmailTemplate | None, course) -> dict | None:
    if template is None:
        return None
    try:
        rendered = email_render(template=template, context=email_sample_context(kind=template.kind, course_title=course.title),
                                footer_note="A sample: the learner's name and links are filled in for each credential.")
    except EmailTemplateError as exc:
        return {"problem": str(exc)}
    return {"subject": rendered.subject, "html": rendered.html}


def _organization_as_shown(request, setup: CourseSetup):
    """The organisation with the colours on the page (valid ones), unsaved: what the previews are drawn with."""
    organization = copy.copy(setup.organization)
    for name in ("primary_color", "accent_color"):
        value = request.GET.get(name, "")
        try:
            validate_hex_color(value)
        except ValidationError:
            continue
        setattr(organization, name, value)
    return organization


def setup_preview(request, pk, *, admin_site):
    """Page one of the certificate as the chosen design draws it, in the colours on the page (saved or not): a PNG."""
    setup = _setup_or_404(request, pk)
    organization = _organization_as_shown(request, setup)
    designs = CertificateTemplate.objects.filter(organization=setup.organization)
    design_id = request.GET.get("design", "")
    design = designs.filter(pk=design_id).first() if design_id.isdigit() else (setup.course and setup.course.certificate_template)
    if design is None:
        raise Http404("No such design in this organisation.")
    draft = CertificateTemplate(pk=design.pk, organization=organization, name=design.name, html=design.html, css=design.css,
                                page_size=design.page_size, orientation=design.orientation)
    preview = template_preview(template=draft, sample="latin")
    if preview.pdf is None:
        return HttpResponse("; ".join(preview.problems), status=422, content_type="text/plain; charset=utf-8")
    return HttpResponse(preview.png(width=900), content_type="image/png")


def setup_email_preview(request, pk, *, admin_site):
    """The chosen credential email with sample values, in the colours on the page: its subject and HTML as JSON."""
    setup = _setup_or_404(request, pk)
    if setup.course is None:
        raise Http404("Name the course first.")
    template_id = request.GET.get("email_template", "")
    template = EmailTemplate.objects.filter(organization=setup.organization, kind=EmailTemplate.Kind.CREDENTIAL,
                                            pk=template_id if template_id.isdigit() else 0).first()
    if template is None:
        raise Http404("No such credential email in this organisation.")
    template.organization = _organization_as_shown(request, setup)
    preview = _email_preview(template, setup.course)
    return JsonResponse(preview, status=422 if "problem" in preview else 200)


def setup_completions(request, pk, *, admin_site):
    setup = _setup_or_404(request, pk)
    if (live := _live_already(request, setup)) is not None:
        return live
    if setup.course is None or setup.course.certificate_template_id is None:
        return HttpResponseRedirect(reverse("admin:course_setup_look" if setup.course else "admin:course_setup_course", args=[setup.pk]))
    sources = Source.objects.filter(organization=setup.organization, is_active=True).order_by("name")
    form = CompletionsStepForm(request.POST or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        source, external_id = form.cleaned_data["source_object"], form.cleaned_data["external_id"].strip()
        if source is None:
            course_setup_completions_save(setup=setup, completions_from=CourseSetup.CompletionsFrom.FILES, note="")
            return _next(request, setup, "live")
        taken = SourceCourseMapping.objects.filter(source=source, external_id=external_id).exclude(course=setup.course).first()
        if taken is not None:
            form.add_error("external_id", f"{source.name} already sends “{external_id}” for {taken.course}; give this course's own id.")
            return _completions_page(request, admin_site, setup, form)
        if external_id:
            SourceCourseMapping.objects.get_or_create(source=source, external_id=external_id, defaults={"course": setup.course})
        note = f"{source.name} ({source.get_dialect_display()}), sending the course as “{external_id or setup.course.code}”"
        course_setup_completions_save(setup=setup, completions_from=CourseSetup.CompletionsFrom.SOURCE, note=note)
        return _next(request, setup, "live")
    return _completions_page(request, admin_site, setup, form)


def _completions_page(request, admin_site, setup, form):
    may_add_source = may(request.user, "issuance.add_source", setup.organization)
    return _page(request, admin_site, "completions.html", setup, Step.SOURCE, form=form, may_add_source=may_add_source,
                 source_add_url=reverse("admin:issuance_source_add"))


def setup_live(request, pk, *, admin_site):
    setup = _setup_or_404(request, pk)
    if setup.step != Step.LIVE:
        return HttpResponseRedirect(reverse("admin:course_setup_course", args=[setup.pk]))
    course = setup.course
    if request.method == "POST" and setup.live_at is None:
        if not request.user.email:
            messages.error(request, "Your account has no email address: add one (Users) to receive the test credential.")
        else:
            try:
                if _go_live_with_test(setup=setup, course=course, user=request.user):
                    messages.success(request, f"{course} is live. A test credential is on its way to {request.user.email}.")
            except (DatabaseError, PermissionDenied, SetupTestNotStored) as exc:
                logger.exception("Set-up %s: the test send failed, so the course did not go live", setup.pk)
                messages.error(request, f"The test credential could not be sent ({exc}), so nothing went live: "
                                        "the rules are still a draft and the course inactive. Press the button again to retry.")
            return HttpResponseRedirect(request.path)
    version = (course.ruleset.current_version or course.ruleset.latest_draft) if course.ruleset else None
    requirements = ruleset_version_requirements(version=version) if version else []
    return _page(request, admin_site, "live.html", setup, Step.LIVE, course=course, version=version,
                 requirements=requirements, **_test_result(setup))


class SetupTestNotStored(Exception):
    """The test completion was not stored (one with its key already was), so there is nothing to show as the test."""


def _go_live_with_test(*, setup: CourseSetup, course, user) -> bool:
    """Go live and store the test completion in one transaction: if the test cannot be stored, the publish,
    the course's activation and their audit are undone, so a set-up is never live without its test. The
    test's pipeline work is queued when the transaction commits (form_event_store). False if another
    request made it live first: only that one sends the test."""
    with transaction.atomic():
        if not course_setup_go_live(setup=setup, user=user):
            return False
        hand = hand_issue_test_to_self(course=course, user=user, submission_key=uuid.uuid4())
        if hand.event_id is None:
            raise SetupTestNotStored("the test completion was not stored")
        CourseSetup.objects.filter(pk=setup.pk).update(test_event_id=hand.event_id)
    return True


def _test_result(setup: CourseSetup) -> dict:
    event = CompletionEvent.objects.filter(pk=setup.test_event_id).prefetch_related("issuances").first() if setup.test_event_id else None
    if event is None:
        return {"outcome": None}
    issuance = next(iter(event.issuances.all()), None)
    credential = getattr(issuance, "credential", None) if issuance else None
    email = OutboxMessage.objects.filter(issuance=issuance).order_by("created_at").first() if issuance else None
    return {"outcome": event_outcome(event), "credential": credential, "email": email,
            "pdf_url": reverse("credential-pdf", args=[credential.pk]) if credential else ""}


def setup_test_png(request, pk, *, admin_site):
    """Page one of the test credential's own PDF, as the learner will see it."""
    setup = _setup_or_404(request, pk)
    credential = _test_result(setup).get("credential")
    if credential is None or not credential.pdf:
        raise Http404("The test credential has no certificate yet.")
    with credential.pdf.open("rb") as handle:
        return HttpResponse(Preview(pdf=handle.read()).png(width=900), content_type="image/png")
