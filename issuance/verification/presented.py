"""Verifying a presented credential (from a PDF, a baked PNG or JSON): genuine, whose, and its status now.

The answer has the VC-API verification result's shape (`verified`, `checks`, `warnings`,
`errors`) plus `status`, `credential_id` and, for a PDF, `original_file`. Signatures are checked
by the one implementation Laurel has (`openbadges.issuer.organization_badge_verify` for its own
issuers, `openbadges.sign.credential_verify` with a key resolved for another did:web issuer).
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.models import Organization

from ..credentials import credential_url
from ..shared_counts import rate_limit_exceeded
from ..lifecycle.expiry import credential_shown_status
from ..models import Credential
from ..openbadges.did import issuer_did_web
from ..openbadges.hosted import ob2_assertion_for
from ..openbadges.issuer import organization_badge_verify
from ..openbadges.ob2 import ob2_recipient_matches
from ..openbadges.refresh import credential_current
from ..openbadges.sign import credential_verify
from .files import PresentedFile
from .issuers import DID_KEY_SOURCE, IssuerKeyUnavailable, issuer_public_key
from .ob2_hosted import ob2_hosted_verify, ob2_is_signed
from .status import StatusUnavailable, other_issuer_status

Status = Credential.Status
_UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


@dataclass
class VerificationReport:
    verified: bool = False
    checks: list[str] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    status: str = "unknown"  # valid, expired, suspended, revoked, unknown
    credential_id: str | None = None
    laurel_credential: object = None  # this Laurel's credential's key, when it is one of ours (engagement counts it)
    original_file: bool | None = None
    kind: str = "json"
    # What the page says in words; the API answers the fields above.
    facts: dict = field(default_factory=dict)

    def problem(self, kind: str, title: str, detail: str = "", *, warning: bool = False) -> None:
        """`title` is translated where the problem is found: the verify page's visitor's language, the API's English."""
        (self.warnings if warning else self.errors).append({"type": kind, "title": title, "detail": detail})

    def as_api(self) -> dict:
        answer = {"verified": self.verified, "checks": self.checks, "warnings": self.warnings, "errors": self.errors,
                  "status": self.status, "credential_id": self.credential_id}
        if self.kind == "pdf":
            answer["original_file"] = self.original_file
        if self.facts.get("withheld"):  # the holder hid it on their page: the status, and no more from our records
            answer["details_withheld"] = True
        return answer


def verify_rate_exceeded(*, client: str) -> int | None:
    """Seconds to wait when `client` (an address) is over LAUREL_VERIFY_RATE checks a minute, else None."""
    return rate_limit_exceeded(name=f"verify-rate:{client}", limit=settings.LAUREL_VERIFY_RATE)


def typed_email(form) -> str:
    """The recipient email a verifier typed beside the file (a form's `email`), bounded like an address."""
    return str(form.get("email") or "").strip()[:254]


def presented_file_verify(*, presented: PresentedFile, recipient_email: str = "") -> VerificationReport:
    """`recipient_email`, when the verifier typed one, is checked against an OB 2.0 badge's hashed recipient."""
    document = presented.document
    if isinstance(document, dict) and "verifiableCredential" in document:
        document = document["verifiableCredential"]
    if isinstance(document, list) and len(document) == 1:
        document = document[0]
    # An OB 2.0 assertion: baked into a PNG (its URL or its JSON), or its JSON dropped as a file.
    if (presented.kind == "png" and _is_ob2(document)) or (presented.kind == "json" and _is_ob2_assertion(document)):
        report = _ob2_verify(document, recipient_email=recipient_email)
    else:
        report = presented_credential_verify(credential=document)
    report.kind = presented.kind
    if presented.kind == "pdf":
        _original_check(report, data=presented.data)
    return report


def presented_credential_verify(*, credential) -> VerificationReport:
    report = VerificationReport()
    if not isinstance(credential, dict) or "VerifiableCredential" not in _types(credential):
        report.problem("not_a_credential", _("This is not a verifiable credential"),
                       _("Expected a JSON object whose type includes VerifiableCredential."))
        return report
    report.credential_id = credential["id"] if isinstance(credential.get("id"), str) else None
    row = _laurel_row(report.credential_id)
    report.laurel_credential = row.pk if row else None
    organization = row.issuance.organization if row else _laurel_organization(_issuer_id(credential))
    report.facts = _facts(credential, laurel=organization is not None, row=row)
    report.checks.append("proof")
    keys: dict = {}  # another issuer's keys, by verification method, once resolved
    if organization is not None:
        result = organization_badge_verify(organization=organization, badge=credential)
    else:
        result = _other_issuer_verify(report, credential, keys)
    if result is not None and not result.verified:
        report.problem("invalid_signature", _("The signature does not verify"),
                       result.said.translated() if result.said else result.reason)
    report.facts["genuine"] = bool(result and result.verified)
    _dates_check(report, credential)
    _status_check(report, credential, row=row, keys=keys if report.facts["genuine"] else None)
    report.verified = not report.errors
    return report


def _types(document: dict) -> list:
    types = document.get("type")
    return types if isinstance(types, list) else [types]


def _issuer_id(credential: dict) -> str:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else ""


def _laurel_row(credential_id: str | None) -> Credential | None:
    match = re.fullmatch(re.escape(settings.LAUREL_BASE_URL) + r"/credentials/" + _UUID + r"\.json", credential_id or "")
    if not match:
        return None
    return (Credential.objects.select_related("issuance__organization", "learner")
            .filter(pk=match.group(1)).first())


def _laurel_organization(issuer_id: str) -> Organization | None:
    """The organisation whose did:web this is, when the issuer is one of this Laurel's."""
    prefix = issuer_did_web(base_url=settings.LAUREL_BASE_URL, slug="x").removesuffix("x")
    match = re.fullmatch(re.escape(prefix) + r"([A-Za-z0-9][A-Za-z0-9_-]*)", issuer_id)
    return Organization.objects.filter(slug=match.group(1)).first() if match else None


def _other_issuer_verify(report: VerificationReport, credential: dict, keys: dict):
    proofs = credential.get("proof")
    proof = (proofs[0] if proofs else {}) if isinstance(proofs, list) else proofs
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str):
        report.problem("no_proof", _("The credential carries no proof naming its key"))
        return None
    try:
        public_key, source = issuer_public_key(verification_method=method)
    except IssuerKeyUnavailable as exc:
        report.problem("issuer_key_unavailable", _("The issuer's key could not be found"), exc.said.translated())
        return None
    from_did_key = source == DID_KEY_SOURCE  # the page says it in its own words; a did:web document's address as is
    report.facts.update({"key_source": "" if from_did_key else source, "key_from_did_key": from_did_key})
    keys[method] = public_key
    report.problem("other_issuer", _("Not issued by this Laurel"),
                   (_("Signed by %(issuer)s; its key was read from the did:key identifier itself.") if from_did_key else
                    _("Signed by %(issuer)s; its key was read from %(source)s.")) % {"issuer": _issuer_id(credential), "source": source},
                   warning=True)
    return credential_verify(credential=credential, public_key=public_key)


def _date(value) -> datetime | None:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed and parsed.tzinfo else None


def _dates_check(report: VerificationReport, credential: dict) -> None:
    report.checks.append("expiration")
    valid_from = _date(credential.get("validFrom") or credential.get("issuanceDate"))
    if valid_from and valid_from > timezone.now():
        report.problem("not_yet_valid", _("Not valid yet"), _("It is valid from %(date)s.") % {"date": valid_from.isoformat()})


def _status_check(report: VerificationReport, credential: dict, *, row: Credential | None, keys: dict | None) -> None:
    valid_until = _date(credential.get("validUntil") or credential.get("expirationDate"))
    past_end = bool(valid_until and valid_until <= timezone.now())
    if row is not None:
        report.checks.append("credentialStatus")
        shown = credential_shown_status(status=row.status, valid_until=row.valid_until)
        if shown == Status.SUPERSEDED:
            _superseded_warning(report, row)
            shown = Status.EXPIRED if past_end else Status.ACTIVE
        report.status = {Status.ACTIVE: "valid"}.get(shown, str(shown))
        report.facts["status_reason"] = "" if row.holder_hidden_at else row.status_reason
    elif credential.get("credentialStatus"):
        report.checks.append("credentialStatus")
        try:
            if keys is None:
                raise StatusUnavailable(gettext_noop("The signature does not verify, so its issuer's status list was not read."))
            status = other_issuer_status(credential=credential, issuer_id=_issuer_id(credential), keys=keys)
        except StatusUnavailable as exc:
            status = "unknown"
            report.problem("status_not_checked", _("Status not checked"), exc.said.translated(), warning=True)
        report.status = "expired" if past_end and status in ("valid", "unknown") else status
    else:
        report.status = "expired" if past_end else "valid"
    if report.status == "expired":
        report.problem("expired", _("Expired"), _("It was valid until %(date)s.") % {"date": valid_until.isoformat()}
                       if valid_until else _("Its validity has ended."))
    elif report.status in ("revoked", "suspended"):
        report.problem(report.status, _("Revoked") if report.status == "revoked" else _("Suspended"),
                       report.facts.get("status_reason", ""))


def _superseded_warning(report: VerificationReport, row: Credential) -> None:
    """Renewed: the status stays one of the five (this credential's own dates decide valid or expired), and the
    warning names the credential that renewed it, as its refresh address would answer it."""
    current = credential_current(credential=row)
    if current.pk == row.pk:  # its successor is not signed yet
        report.problem("superseded", _("Renewed"), _("A newer credential replaced this one."), warning=True)
        return
    report.problem("superseded", _("Renewed"), _("A newer credential replaced this one: %(id)s.") % {"id": current.badge["id"]},
                   warning=True)
    report.warnings[-1]["current_credential_id"] = current.badge["id"]
    report.facts["current_url"] = credential_url(credential_id=current.pk)


def _facts(credential: dict, *, laurel: bool, row: Credential | None) -> dict:
    issuer = credential.get("issuer") if isinstance(credential.get("issuer"), dict) else {}
    subject = credential.get("credentialSubject") if isinstance(credential.get("credentialSubject"), dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    erased = bool(row and row.learner.erased_at)
    withheld = bool(row and row.holder_hidden_at and not erased)  # hidden by the holder on their page (/me)
    facts = {
        "laurel": laurel, "withheld": withheld,
        "issuer_name": str(issuer.get("name") or ""), "issuer_id": _issuer_id(credential),
        "subject_name": "" if erased or withheld else _subject_name(subject), "erased": erased,
        "achievement_name": "" if withheld else str(achievement.get("name") or credential.get("name") or ""),
        "valid_from": _date(credential.get("validFrom") or credential.get("issuanceDate")),
        "valid_until": _date(credential.get("validUntil") or credential.get("expirationDate")),
    }
    if row is not None:
        facts["page_url"] = credential_url(credential_id=row.pk)
        facts["pdf_url"] = credential_url(credential_id=row.pk, suffix=".pdf")
    return facts


def _subject_name(subject: dict) -> str:
    identifiers = subject.get("identifier") if isinstance(subject.get("identifier"), list) else []
    for identifier in identifiers:
        if isinstance(identifier, dict) and identifier.get("identityType") == "name" and not identifier.get("hashed"):
            return str(identifier.get("identityHash") or "")
    return str(subject.get("name") or "")


def _original_check(report: VerificationReport, *, data: bytes) -> None:
    """True when the PDF's bytes are the ones Laurel stored for the credential; None when it is not Laurel's."""
    row = _laurel_row(report.credential_id)
    if row is None:
        report.original_file = None
        return
    stored = b""
    if row.pdf:
        with row.pdf.open("rb") as handle:
            stored = handle.read()
    report.original_file = bool(stored) and hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    if not report.original_file:
        report.problem("pdf_changed", _("This PDF was changed after issue"),
                       _("The badge inside may be genuine, but the pages are not the file Laurel issued: compare with "
                         "the original at %(url)s.") % {"url": credential_url(credential_id=row.pk, suffix=".pdf")}, warning=True)


# --- OB 2.0 baked PNGs: a hosted assertion, checked against the one Laurel hosts ------------------


def _is_ob2_assertion(document) -> bool:
    return isinstance(document, dict) and document.get("type") == "Assertion"


def _is_ob2(document) -> bool:
    return isinstance(document, str) or _is_ob2_assertion(document)


def _ob2_verify(document, *, recipient_email: str) -> VerificationReport:
    assertion_id = document if isinstance(document, str) else document.get("id")
    if not str(assertion_id or "").startswith(settings.LAUREL_BASE_URL + "/") or ob2_is_signed(document):
        report = VerificationReport()  # another site's badge: fetched from it, as OB 2.0 hosted verification says
        ob2_hosted_verify(report, document=document, recipient_email=recipient_email)
        return report
    match = re.fullmatch(re.escape(settings.LAUREL_BASE_URL) + r"/ob2/assertions/" + _UUID, str(assertion_id or ""))
    row = (Credential.objects.select_related("issuance__organization", "learner", "achievement__organization")
           .filter(pk=match.group(1)).first() if match else None)
    if row is None or not row.badge:
        report = VerificationReport()
        report.problem("unknown_assertion", _("Not a badge this Laurel hosts"),
                       _("The PNG's Open Badges 2.0 assertion %(id)s is not one of this Laurel's; a 2.0 badge is "
                         "checked by the site that hosts it.") % {"id": repr(str(assertion_id)[:200])})
        return report
    # OB 2.0 hosted verification: the baked assertion must be the one hosted at its id.
    status, hosted = ob2_assertion_for(credential=row)
    if isinstance(document, dict) and status == 200:
        changed = [key for key in ("badge", "recipient") if document.get(key) != hosted.get(key)]
        if changed:
            report = VerificationReport(credential_id=row.badge.get("id"))
            report.problem("assertion_changed", _("The baked assertion differs from the hosted one"),
                           _("What differs from the assertion Laurel hosts: %(fields)s.") % {"fields": ", ".join(changed)})
            report.facts = _facts(row.badge, laurel=True, row=row)
            return report
    report = presented_credential_verify(credential=row.badge)
    report.checks.insert(0, "hostedAssertion")
    if recipient_email and status == 200:
        _recipient_check(report, recipient=hosted.get("recipient"), email=recipient_email)
    return report


def _recipient_check(report: VerificationReport, *, recipient, email: str) -> None:
    report.checks.append("recipient")
    if not ob2_recipient_matches(recipient=recipient if isinstance(recipient, dict) else {}, email=email):
        report.problem("recipient_mismatch", _("Not issued to this email address"),
                       _("The badge's recipient is not %(email)s.") % {"email": email})
        report.verified = False
