"""What Laurel tells outside systems about a credential: one dict, frozen on the delivery row when it is planned."""

from django.utils import timezone

from ..credentials import credential_url
from ..models import Credential, Issuance, OutboundDelivery


def name_split(name: str) -> tuple[str, str]:
    """First and last name for systems that want both: the last word is the last name; a single name is both."""
    words = name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], words[0]
    return " ".join(words[:-1]), words[-1]


def credential_payload(*, credential: Credential, issuance: Issuance | None = None, reason: str = "") -> dict:
    issuance = issuance or credential.issuance
    learner, course, achievement = issuance.learner, issuance.course, credential.achievement
    first, last = name_split(issuance.learner_name)
    score = (issuance.completion or {}).get("score")
    return {
        "credential_id": str(credential.pk),
        "status": credential.status,
        "reason": reason,
        "credential_url": credential_url(credential_id=credential.pk),
        "issued_at": credential.issued_at.isoformat(),
        "valid_from": credential.valid_from.isoformat(),
        "valid_until": credential.valid_until.isoformat() if credential.valid_until else None,
        "learner": {"id": str(learner.pk), "name": issuance.learner_name, "first_name": first, "last_name": last,
                    "email": learner.email},
        "achievement": {"id": str(achievement.pk), "name": achievement.name},
        "course": {"code": course.code, "title": course.title},
        "score": None if score is None else str(score),
        "organization": issuance.organization.slug,
    }


def credential_facts(*, credential: Credential, connection) -> dict:
    """What a REST connection's templates may use beyond the payload, frozen with it: the PDF and OB 3.0
    addresses, the signed OB 3.0 credential, the credential it renews, and the ids other connections stored."""
    done = (OutboundDelivery.objects.filter(credential=credential, status=OutboundDelivery.Status.DONE).exclude(remote_id="")
            .exclude(connection=connection).select_related("connection").order_by("pk"))
    external_ids = {}
    for delivery in done:
        external_ids.setdefault(delivery.connection.kind, delivery.remote_id)
    return {
        "pdf_url": credential_url(credential_id=credential.pk, suffix=".pdf"),
        "json_url": credential_url(credential_id=credential.pk, suffix=".json"),
        "openbadge": credential.badge,
        "renews": str(credential.replaces_id) if credential.replaces_id else "",
        "external_ids": external_ids,
    }


def issuance_payload(*, issuance: Issuance) -> dict:
    return {
        "issuance_id": str(issuance.pk),
        "state": issuance.state,
        "failed_step": issuance.failed_step,
        "error": issuance.error,
        "learner": {"name": issuance.learner_name, "email": issuance.learner.email},
        "course": {"code": issuance.course.code, "title": issuance.course.title},
        "organization": issuance.organization.slug,
        "parked_at": timezone.now().isoformat(),
    }
