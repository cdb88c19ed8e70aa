"""Step 5's work: the OpenBadgeCredential for one Laurel credential, built, signed and kept as issued."""

import copy
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from courses.models import achievement_text_in

from ..completions import Completion
from ..credentials import credential_url
from ..models import Credential, ProgrammeAward, StatusList, StatusListEntry
from .credential import open_badge_credential_build
from .hosted import achievement_badge_class_url, achievement_editions, achievement_image_url
from .issuer import organization_signer, organization_signer_for
from .loader import OB_V3P0_EXTENSIONS_URL
from .refresh import refresh_service_build
from .render_method import render_method_build
from .sign import credential_sign
from .status_lists import status_entries_allocate, status_entry_credential_status


def _score(credential: Credential) -> str | None:
    """The completion's score, when the rules that decided this issuance looked at one."""
    issuance = credential.issuance
    score = Completion.from_json(issuance.completion).score
    version = issuance.ruleset_version
    if score is None or version is None:
        return None
    uses_score = version.min_score is not None or version.conditions.filter(path="score").exists()
    return str(score) if uses_score else None


def _programme_evidence(credential: Credential) -> list[dict]:
    """A programme credential's evidence: the constituent credentials that satisfied it, each by its public id."""
    course = credential.issuance._state.fields_cache.get("course")
    if course is not None and course._state.fields_cache.get("programme", False) is None:
        return []  # its course, read with its programme (the claim does), is no programme's: no award to look for
    award = ProgrammeAward.objects.filter(issuance_id=credential.issuance_id).first()
    if award is None:
        return []
    return [
        {"id": credential_url(credential_id=c.pk, suffix=".json"), "name": c.achievement.name,
         "description": f"{c.achievement.name}, issued {c.issued_at:%Y-%m-%d}, counted towards {award.programme.name}."}
        for c in award.constituents.select_related("achievement").order_by("issued_at")
    ]


def _imported_evidence(credential: Credential) -> list[dict]:
    """An imported credential's evidence: the original, by its URL (or its id when that is one), with its dates."""
    imported = Completion.from_json(credential.issuance.completion).imported
    if not imported:
        return []
    label, original_id = imported.get("source_label") or imported["source"], imported["original_id"]
    expiry = f", expiring {imported['expires_at'][:10]}" if imported.get("expires_at") else ", with no expiry"
    entry = {"name": f"Originally issued on {label}",
             "description": f"{label} credential {original_id} ({imported.get('source_badge', '')}), issued "
                            f"{imported['issued_at'][:10]}{expiry}; brought over to {credential.issuance.organization.name}'s "
                            f"Laurel on {imported.get('imported_at', '')[:10]}.",
             "genre": "Imported credential"}
    url = imported.get("original_url") or (original_id if "://" in original_id else "")
    if url:
        entry["id"] = url
    return [entry]


def _imported_related(credential: Credential) -> list[str]:
    """The original badge class, when it has a public address: the same achievement on the platform it came from."""
    imported = Completion.from_json(credential.issuance.completion).imported
    url = imported.get("source_badge_url", "") if imported else ""
    return [url] if url.startswith(("https://", "http://")) else []


def credential_badge_build(*, credential: Credential, issuer_id: str, revocation: StatusListEntry) -> dict:
    """The unsigned OpenBadgeCredential; it carries the revocation entry (OB 3.0 allows one, see ADR 0004)."""
    issuance = credential.issuance
    organization, achievement = issuance.organization, credential.achievement
    score = _score(credential)
    prefetch_related_objects([achievement], "texts")  # one query for the learner's text and the other editions
    name, description, language = achievement_text_in(achievement=achievement, language=issuance.language)
    return open_badge_credential_build(
        credential_id=credential_url(credential_id=credential.pk, suffix=".json"),
        issuer_id=issuer_id,
        issuer_name=organization.name,
        issuer_url=organization.website or None,
        issuer_image=urljoin(settings.LAUREL_BASE_URL + "/", organization.logo.url) if organization.logo else None,
        achievement_id=achievement_badge_class_url(achievement=achievement),
        achievement_name=name,
        achievement_description=description,
        achievement_language=language,
        achievement_editions=achievement_editions(achievement=achievement, but=language),
        criteria_narrative=achievement.criteria_narrative,
        achievement_image=achievement_image_url(achievement=achievement),
        achievement_tags=achievement.tag_list,
        recipient_email=issuance.learner.email,
        recipient_salt=organization.recipient_salt,
        recipient_name=issuance.learner_name,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        score=score,
        score_min="0" if score is not None else None,
        score_max="100" if score is not None else None,
        credential_status=status_entry_credential_status(entry=revocation),
        evidence=_programme_evidence(credential) + _imported_evidence(credential),
        achievement_related=_imported_related(credential),
        refresh_service=refresh_service_build(credential_id=credential.pk),
        render_method=render_method_build(course=issuance.course, organization=organization),
    )


def credential_badge_sign(*, credential: Credential) -> dict:
    """The signed credential: the stored one if it was issued already, else built and signed now.

    Status indexes are committed before signing, so a step re-run after a crash reuses them; the
    caller stores the result together with the issuance's next state.
    """
    if credential.badge:
        return credential.badge
    organization = credential.issuance.organization
    signer = organization_signer(organization=organization)
    with transaction.atomic():
        entries = status_entries_allocate(credential=credential, organization=organization, issuer_id=signer.issuer_id)
    unsigned = credential_badge_build(credential=credential, issuer_id=signer.issuer_id,
                                      revocation=entries[StatusList.Purpose.REVOCATION])
    return credential_sign(credential=unsigned, private_key=signer.private_key,
                           verification_method=signer.verification_method, created=timezone.now())


def credential_badge_store(*, credential: Credential, signed: dict) -> bool:
    """Keep the signed credential as issued; never overwrite one already stored. True if stored now."""
    stored = Credential.objects.filter(pk=credential.pk, badge__isnull=True).update(badge=signed)
    if stored:
        credential.badge = signed
    return bool(stored)


def credential_badge_for_holder(*, credential: Credential, holder_did: str) -> dict:
    """The issued credential bound to a wallet's holder: `credentialSubject.id` is the holder's DID.

    Everything else is the credential as issued (its id, dates and its credentialStatus entry, so a
    later revocation reaches the wallet's verifier too), signed again by the key of the same issuer id,
    except its refresh address, which names the holder so that a refresh answers for the same holder.
    """
    if not credential.badge:
        raise ValueError(f"Credential {credential.pk} has no signed Open Badges credential yet.")
    unsigned = {key: value for key, value in copy.deepcopy(credential.badge).items() if key != "proof"}
    unsigned["credentialSubject"]["id"] = holder_did
    if OB_V3P0_EXTENSIONS_URL not in unsigned["@context"]:  # issued before credentials carried a refresh address
        unsigned["@context"].append(OB_V3P0_EXTENSIONS_URL)
    unsigned["refreshService"] = refresh_service_build(credential_id=credential.pk, holder_did=holder_did)
    issuer = unsigned["issuer"]
    signer = organization_signer_for(organization=credential.issuance.organization,
                                     issuer_id=issuer["id"] if isinstance(issuer, dict) else issuer)
    return credential_sign(credential=unsigned, private_key=signer.private_key,
                           verification_method=signer.verification_method, created=timezone.now())
