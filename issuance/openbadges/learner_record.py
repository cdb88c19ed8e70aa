"""A learner's CLR 2.0 record: their credentials from one organisation (or towards one programme), signed.

Assembled on demand and never stored: a record assembled after a revocation leaves the revoked
credential out. What it holds: for each achievement, the learner's newest credential that is active or
expired (a transcript keeps history), exactly as it was issued; never a revoked, suspended or
superseded one. Programmes add their achievements and associations: each constituent `isPartOf` its
programme, and each constituent `precedes` the next where the programme is taken in order (`Programme.ordered`).
"""

import uuid
from urllib.parse import urljoin

from django.conf import settings
from django.utils import timezone

from courses.models import Achievement, Organization, Programme

from ..models import Credential, Learner
from .clr import clr_association, clr_credential_build
from .credential import email_identity_hash
from .hosted import achievement_badge_class_url, achievement_image_url
from .issuer import organization_signer
from .sign import credential_sign

# A record carries what the issuer stands behind: history that ran out, yes; what it took back or replaced, no.
RECORD_STATUSES = (Credential.Status.ACTIVE, Credential.Status.EXPIRED)


class LearnerRecordEmpty(LookupError):
    """The learner holds no credential the record could carry (CLR 2.0 needs at least one)."""


def learner_record_credentials(*, learner: Learner, programme: Programme | None = None) -> list[Credential]:
    """The credentials a record carries, oldest first: per achievement, the newest active or expired one."""
    rows = (Credential.objects.filter(learner=learner, status__in=RECORD_STATUSES, badge__isnull=False)
            .select_related("achievement").order_by("-issued_at"))
    if programme is not None:
        wanted = [c.achievement_id for c in programme.constituents.all()] + [programme.course.achievement_id]
        rows = rows.filter(achievement_id__in=wanted)
    newest: dict[int, Credential] = {}
    for credential in rows:
        newest.setdefault(credential.achievement_id, credential)
    return sorted(newest.values(), key=lambda c: (c.issued_at, str(c.pk)))


def _programmes(*, learner: Learner, held: set[int], programme: Programme | None) -> list[Programme]:
    if programme is not None:
        return [programme]
    candidates = (Programme.objects.filter(organization_id=learner.organization_id)
                  .select_related("course__achievement").prefetch_related("constituents__achievement").order_by("code"))
    return [p for p in candidates
            if p.course.achievement_id in held or any(c.achievement_id in held for c in p.constituents.all())]


def _achievement_object(achievement: Achievement) -> dict:
    """An Achievement as Laurel's credentials describe it, for one the record names but the learner does not hold."""
    data = {"id": achievement_badge_class_url(achievement=achievement), "type": ["Achievement"],
            "name": achievement.name, "description": achievement.description or achievement.name,
            "criteria": {"narrative": achievement.criteria_narrative or achievement.description or achievement.name}}
    data["image"] = {"id": achievement_image_url(achievement=achievement), "type": "Image", "caption": achievement.name}
    return data


def _achievements_and_associations(credentials: list[Credential], programmes: list[Programme]):
    achievements: dict[str, dict] = {}
    for credential in credentials:  # as issued: the record says what the credentials say
        issued = credential.badge["credentialSubject"]["achievement"]
        achievements.setdefault(issued["id"], issued)
    associations = []
    for programme in programmes:
        target = achievement_badge_class_url(achievement=programme.achievement)
        achievements.setdefault(target, _achievement_object(programme.achievement))
        constituents = list(programme.constituents.all())
        sources = []
        for constituent in constituents:
            source = achievement_badge_class_url(achievement=constituent.achievement)
            achievements.setdefault(source, _achievement_object(constituent.achievement))
            associations.append(clr_association(association_type="isPartOf", source_id=source, target_id=target))
            sources.append(source)
        if programme.ordered:  # a sequence only where staff said so: positions alone are the order learners see
            associations += [clr_association(association_type="precedes", source_id=a, target_id=b)
                             for a, b in zip(sources, sources[1:])]
    return list(achievements.values()), associations


def _issuer(organization: Organization, issuer_id: str) -> dict:
    issuer = {"id": issuer_id, "type": ["Profile"], "name": organization.name}
    if organization.website:
        issuer["url"] = organization.website
    if organization.logo:
        issuer["image"] = {"id": urljoin(settings.LAUREL_BASE_URL + "/", organization.logo.url), "type": "Image"}
    return issuer


def learner_record_assemble(*, learner: Learner, programme: Programme | None = None) -> dict:
    """The signed ClrCredential for `learner` (all their credentials from their organisation, or one programme's).

    Raises LearnerRecordEmpty when there is nothing to put in it.
    """
    organization = learner.organization
    if programme is not None and programme.organization_id != organization.pk:
        raise ValueError(f"Programme {programme.code} belongs to another organisation than {learner}.")
    credentials = learner_record_credentials(learner=learner, programme=programme)
    if not credentials:
        scope = f"towards {programme.name}" if programme is not None else f"from {organization.name}"
        raise LearnerRecordEmpty(f"{learner.name} holds no active or expired credential {scope} to put in a record.")
    programmes = _programmes(learner=learner, held={c.achievement_id for c in credentials}, programme=programme)
    achievements, associations = _achievements_and_associations(credentials, programmes)
    signer = organization_signer(organization=organization)
    now = timezone.now()
    title = programme.name if programme is not None else organization.name
    unsigned = clr_credential_build(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        issuer=_issuer(organization, signer.issuer_id),
        name=f"{title}: learner record of {learner.name}",
        description=(f"The credentials {learner.name} holds from {organization.name}"
                     + (f" towards {programme.name}" if programme is not None else "")
                     + f", as issued, on {now:%Y-%m-%d}. Revoked, suspended and replaced credentials are left out."),
        valid_from=now,
        subject_identifier=[{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                             "identityHash": email_identity_hash(email=learner.email, salt=organization.recipient_salt),
                             "salt": organization.recipient_salt}],
        credentials=[c.badge for c in credentials],
        achievements=achievements,
        associations=associations,
    )
    return credential_sign(credential=unsigned, private_key=signer.private_key,
                           verification_method=signer.verification_method, created=now)


def learner_record_filename(*, learner: Learner, programme: Programme | None = None) -> str:
    scope = programme.code if programme is not None else learner.organization.slug
    return f"learner-record-{scope}.json".replace("/", "-")
