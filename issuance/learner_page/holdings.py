"""What the learner's page reads: every credential issued to one address on this installation, by organisation.

Each lookup is by the signed-in address, never by an id alone: a credential id edited into a form or
address that belongs to someone else is not found, exactly like one that does not exist.
"""

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.http import Http404
from django.utils.translation import gettext as _

from courses.models import Programme

from ..credentials import credential_public_code, credential_url
from ..openbadges.hosted import achievement_image_url
from ..models import Credential, Learner, NameCorrectionRequest
from ..programmes.awards import learner_programmes_progress
from ..public.verification import credential_public_status

LIVE_STATUSES = [Credential.Status.ACTIVE, Credential.Status.SUSPENDED]


@dataclass
class HeldCredential:
    id: str
    code: str
    achievement: str
    course: str
    learner_name: str
    status: object  # PublicStatus
    issued_at: object
    valid_until: object
    hidden: bool
    has_pdf: bool
    wallet: bool
    name_report_open: bool
    urls: dict
    # The latest wrong-name report when staff declined it: {"requested_name", "reason", "declined_at"}.
    name_report_declined: dict | None = None


@dataclass
class OrganisationHoldings:
    slug: str
    name: str
    website: str
    primary: str
    timezone: str
    credentials: list[HeldCredential] = field(default_factory=list)
    programmes: list[dict] = field(default_factory=list)


def learner_credential_get(*, address: str, credential_id) -> Credential:
    """The signed-in learner's credential, or 404 (someone else's is indistinguishable from none)."""
    credential = (Credential.objects.select_related("issuance__organization", "learner", "achievement")
                  .filter(pk=credential_id, learner__email__iexact=address, learner__erased_at__isnull=True).first())
    if credential is None:
        raise Http404(_("No credential of yours has this address."))
    return credential


def learner_record_scope(*, address: str, organization: str, programme: str | None) -> tuple[Learner, Programme | None]:
    """The signed-in learner's row in one organisation, and one of its programmes if asked for; else 404."""
    learner = (Learner.objects.filter(email__iexact=address, erased_at__isnull=True, organization__slug=organization)
               .select_related("organization").first())
    if learner is None:
        raise Http404(_("You hold no credential from this organisation."))
    if programme is None:
        return learner, None
    found = Programme.objects.filter(organization=learner.organization, code=programme).first()
    if found is None:
        raise Http404(_("You hold no credential from this organisation."))
    return learner, found


def learner_rows(*, address: str) -> list[Learner]:
    """The learner rows (one per organisation) this address is."""
    return list(Learner.objects.filter(email__iexact=address, erased_at__isnull=True).select_related("organization"))


def _urls(credential: Credential, *, organization) -> dict:
    page = credential_url(credential_id=credential.pk)
    subject = _("My credential: %(name)s") % {"name": credential.achievement.name}
    body = _("%(organization)s awarded me %(name)s. You can check it here: %(url)s") % {
        "organization": organization.name, "name": credential.achievement.name, "url": page}
    return {
        "page": page,
        # Through Laurel's redirect, as the email and the public page link it: the click is counted.
        "linkedin": credential_url(credential_id=credential.pk, suffix="/linkedin"),
        "image": achievement_image_url(achievement=credential.achievement),
        "mailto": "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote),
    }


def _latest_name_reports(credentials) -> dict:
    """Each credential's most recent wrong-name report (a report sent after a decline replaces it on the page)."""
    latest = {}
    for report in (NameCorrectionRequest.objects.filter(credential__in=credentials)
                   .only("credential_id", "state", "requested_name", "resolution", "resolved_at")
                   .order_by("credential_id", "-created_at", "-pk")):
        latest.setdefault(report.credential_id, report)
    return latest


def _report_state(latest: dict, credential: Credential) -> str:
    report = latest.get(credential.pk)
    return report.state if report else ""


def _declined(report: NameCorrectionRequest | None) -> dict | None:
    if report is None or report.state != NameCorrectionRequest.State.DECLINED:
        return None
    return {"requested_name": report.requested_name, "reason": report.resolution, "declined_at": report.resolved_at}


def learner_holdings(*, address: str) -> list[OrganisationHoldings]:
    """Every credential issued to `address`, newest first, grouped by organisation (by name)."""
    credentials = (Credential.objects.filter(learner__email__iexact=address, learner__erased_at__isnull=True)
                   .select_related("issuance__organization", "issuance__course", "achievement", "learner")
                   .order_by("issuance__organization__name", "-issued_at"))
    latest_reports = _latest_name_reports(credentials)
    groups: dict[int, OrganisationHoldings] = {}
    for credential in credentials:
        issuance = credential.issuance
        organization = issuance.organization
        group = groups.get(organization.pk)
        if group is None:
            group = groups[organization.pk] = OrganisationHoldings(
                slug=organization.slug, name=organization.name, website=organization.website, primary=organization.primary_color,
                timezone=organization.timezone)
        status = credential_public_status(row={"status": credential.status, "status_reason": credential.status_reason},
                                          valid_until=credential.valid_until)
        group.credentials.append(HeldCredential(
            id=str(credential.pk), code=credential_public_code(credential_id=credential.pk),
            achievement=credential.achievement.name, course=issuance.course.title, learner_name=issuance.learner_name,
            status=status, issued_at=credential.issued_at, valid_until=credential.valid_until,
            hidden=credential.holder_hidden_at is not None, has_pdf=bool(credential.pdf),
            wallet=bool(credential.badge) and status.key == "valid",
            name_report_open=_report_state(latest_reports, credential) == NameCorrectionRequest.State.OPEN,
            urls=_urls(credential, organization=organization),
            name_report_declined=_declined(latest_reports.get(credential.pk)),
        ))
    for learner in learner_rows(address=address):
        group = groups.get(learner.organization_id)
        if group is None:
            continue
        for programme, progress in learner_programmes_progress(learner=learner):
            group.programmes.append({"name": programme.name, "code": programme.code, "satisfied": progress.satisfied,
                                     "done": len(progress.done), "total": len(progress.done) + progress.needed,
                                     "summary": progress.summary})
    return list(groups.values())
