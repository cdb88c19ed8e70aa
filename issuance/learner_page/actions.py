"""What a signed-in learner can do on /me: hide a credential's details, report a wrong name, ask for their data.

Each action is audited in the organisation's chain, naming the learner row rather than the address.
"""

import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from audit.services import audit_record
from courses.access.secret_digest import secret_hash
from courses.templating.learner_text import LearnerNameError, learner_name_clean

from ..models import Credential, Learner, LearnerDataLink, NameCorrectionRequest
from ..privacy.export import learner_export_write
from ..privacy.subject import subject_for
from ..public.verification import credential_page_forget
from ..step_queue import queue_broker
from .emails import data_copy_email_send

ACTOR_LABEL = "the learner, on their page"


class LearnerActionRefused(ValueError):
    """An action the page cannot take as asked; the message says why, for the learner."""


def _audit(*, credential: Credential | None = None, learner: Learner, detail: str) -> None:
    issuance = credential.issuance if credential is not None else None
    audit_record(
        issuance=issuance, event=issuance.event if issuance else None, organization=learner.organization_id,
        from_state=issuance.state if issuance else "", to_state=issuance.state if issuance else "learner-page",
        actor_kind="learner", actor_label=ACTOR_LABEL, detail=f"Learner #{learner.pk}: {detail}",
    )


def learner_signed_in_record(*, learners: list[Learner]) -> None:
    for learner in learners:
        _audit(learner=learner, detail="signed in to their page with an emailed single-use link.")


def credential_holder_hide(*, credential: Credential, hidden: bool) -> bool:
    """Hide the credential's details from its public page and verification, or show them again; False if unchanged."""
    with transaction.atomic():
        if hidden:
            changed = Credential.objects.filter(pk=credential.pk, holder_hidden_at__isnull=True).update(
                holder_hidden_at=timezone.now())
        else:
            changed = Credential.objects.filter(pk=credential.pk, holder_hidden_at__isnull=False).update(
                holder_hidden_at=None)
        if changed:
            _audit(credential=credential, learner=credential.learner,
                   detail=("hid the details of credential {id} from its public page and verification." if hidden
                           else "showed the details of credential {id} on its public page again.").format(id=credential.pk))
    if changed:  # the page's cached facts hold the name: never serve them from a warm cache after hiding
        credential_page_forget(credential_id=credential.pk, certificate_sha256=credential.pdf_sha256)
    return bool(changed)


def name_correction_report(*, credential: Credential, requested_name: str, note: str = "") -> NameCorrectionRequest:
    """A request in the staff exception queue; staff resolve it with the name-correction reissue."""
    try:
        name = learner_name_clean(requested_name)
    except LearnerNameError as exc:
        raise LearnerActionRefused(str(exc)) from None
    current = credential.issuance.learner_name
    if name == current:
        raise LearnerActionRefused(_("That is the name the credential already carries."))
    note = " ".join(note.split())[:1000]
    with transaction.atomic():
        existing = NameCorrectionRequest.objects.select_for_update().filter(
            credential=credential, state=NameCorrectionRequest.State.OPEN).first()
        if existing is not None:
            existing.requested_name, existing.note = name, note
            existing.save(update_fields=["requested_name", "note"])
            report = existing
        else:
            report = NameCorrectionRequest.objects.create(credential=credential, current_name=current,
                                                          requested_name=name, note=note)
        _audit(credential=credential, learner=credential.learner,
               detail=f"reported a wrong name on credential {credential.pk}: asks for {name!r} instead of {current!r} "
                      f"(name correction request #{report.pk}).")
    return report


def data_copy_request(*, learners: list[Learner]) -> None:
    """Queue the copy of the learner's data (one ZIP per organisation), emailed as download links."""
    for learner in learners:
        _audit(learner=learner, detail="asked for a copy of their data (emailed as a download link).")
    ids = [learner.pk for learner in learners]
    transaction.on_commit(lambda: async_task("issuance.learner_page.tasks.data_copy_send_task", ids,
                                             broker=queue_broker()))


def data_copy_send(*, learner_ids: list[int]) -> str:
    """The worker's half: write each organisation's export, store it, and email the links in one message."""
    learners = list(Learner.objects.filter(pk__in=learner_ids, erased_at__isnull=True).select_related("organization")
                    .order_by("-created_at"))
    if not learners:
        return "nothing to send: the learner was erased"
    expires_at = timezone.now() + timedelta(hours=settings.LAUREL_ME_DATA_LINK_HOURS)
    links = []
    for learner in learners:
        token = secrets.token_urlsafe(32)
        buffer = io.BytesIO()
        learner_export_write(subject=subject_for(organization=learner.organization, email=learner.email), out=buffer,
                             actor_label="the learner, from their page")
        name = default_storage.save(f"learner-data/{secret_hash(token)[:32]}.zip", ContentFile(buffer.getvalue()))
        LearnerDataLink.objects.create(organization=learner.organization, learner=learner, token_hash=secret_hash(token),
                                       file=name, expires_at=expires_at)
        links.append({"organization": learner.organization.name,
                      "url": settings.LAUREL_BASE_URL + reverse("learner-data-download", args=[token])})
    key = f"learner-data:{learners[0].pk}:{secret_hash(''.join(link['url'] for link in links))[:16]}"
    result = data_copy_email_send(learner=learners[0], key=key, links=links, expires_at=expires_at)
    return f"data copy of {len(links)} organisation(s) emailed: {result}"


def data_link_open(*, token: str) -> LearnerDataLink | None:
    if not token or len(token) > 100:
        return None
    link = LearnerDataLink.objects.filter(token_hash=secret_hash(token), expires_at__gt=timezone.now()).first()
    if link is not None and link.downloaded_at is None:
        LearnerDataLink.objects.filter(pk=link.pk).update(downloaded_at=timezone.now())
    return link
