"""Erasing one learner's personal data in one organisation: plan it (the dry run), then do it, once.

Rows stay (the audit trail and the status lists point at them) but say nothing about the person:
the learner becomes a pseudonym, bodies and emails are replaced, their credentials are revoked
through `credential_revoke` (so status lists and connected systems hear of it), stored files are
deleted, and past audit records are rewritten through `audit.redaction` under one erasure record
that keeps only the SHA-256 of the email.
"""

import json
import re
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import CharField, JSONField, TextField
from django.utils import timezone
from simple_history.models import registered_models

from audit.chain import ERASURE_STATE
from audit.redaction import audit_records_redact
from audit.services import audit_record

from ..outbound.connectors.base import REVOKED
from ..models import (
    CompletionEvent,
    Credential,
    CredentialImportUpload,
    Effect,
    ImportedCredential,
    Issuance,
    Learner,
    LearnerDataLink,
    LearnerIdentity,
    LearnerSignIn,
    NameCorrectionRequest,
    OutboundDelivery,
    OutboxMessage,
    SignedBadgeRevision,
    Suppression,
)
from ..outbound.deliveries import delivery_perform
from ..public.verification import credential_page_forget
from ..revocation import credential_revoke
from ..transitions import issuance_stop_erased
from .records import LearnerRecords, learner_records
from .subject import ERASED_NAME, ERASED_REASON, ERASED_TEXT, LearnerSubject, erased_email, subject_hash

ERASED_BODY = json.dumps({"erased": ERASED_REASON}).encode()
ERASED_EMAIL_TEXT = f"This email was {ERASED_REASON}."
NOT_REVOKED = [Credential.Status.ACTIVE, Credential.Status.SUSPENDED, Credential.Status.EXPIRED,
               Credential.Status.SUPERSEDED]


@dataclass(frozen=True)
class Place:
    name: str  # where, e.g. "issuance_credential.pdf"
    count: int
    action: str  # what erasure does there


@dataclass
class ErasureReport:
    subject_hash: str
    places: list[Place]
    dry_run: bool
    already_erased: bool = False
    erasure_record_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(place.count for place in self.places)


def _history_rows(subject: LearnerSubject) -> list[tuple[type, list[int]]]:
    """Rows of django-simple-history's tables that mention the learner (catalogue history rarely does).

    Read in Python: JSON columns have no portable "contains text" lookup, and these tables are small.
    """
    found = []
    for model in registered_models.values():
        history = model.history.model
        names = [f.attname for f in history._meta.concrete_fields if isinstance(f, (TextField, CharField, JSONField))]
        pks = [row["pk"] for row in history.objects.values("pk", *names).iterator(chunk_size=2000)
               if any(subject.mentioned_in_value(row[name]) for name in names)]
        if pks:
            found.append((history, pks))
    return found


def learner_erasure_plan(records: LearnerRecords) -> list[Place]:
    """Every place erasure touches, with how many rows or files: what the dry run lists."""
    to_revoke = [c for c in records.credentials if c.status in NOT_REVOKED]
    in_flight = [i for i in records.issuances if i.finished_at is None]
    history = _history_rows(records.subject)
    places = [
        Place("issuance_learner", len(records.learners), "name and email replaced by a pseudonym"),
        Place("issuance_learneridentity", len(records.identities), "deleted (the ids the platforms know them by)"),
        Place("issuance_completionevent (own)", len(records.events),
              "raw body replaced; headers, normalised completion, errors, corrections and the learner label scrubbed; "
              "parked or unprocessed ones discarded"),
        Place("issuance_completionevent (shared batches)", len(records.shared_events),
              "the learner's items removed from the stored batch; the others' kept"),
        Place("issuance_issuance", len(records.issuances), "name, completion, reasons and errors pseudonymised"),
        Place("issuance_issuance (still on their way)", len(in_flight), "stopped for good"),
        Place("issuance_credential (to revoke)", len(to_revoke), f"revoked: “{ERASED_REASON}” (status list, connections told)"),
        Place("issuance_credential", len(records.credentials), "signed badge and certificate removed; the public page says "
                                                                "only that it was erased"),
        Place("issuance_signedbadgerevision", len(records.badge_revisions), "deleted (older signed copies)"),
        Place("issuance_outboxmessage (to the learner)", len(records.outbox_own),
              "recipient pseudonymised, subject, bodies and attachments removed; unsent ones cancelled"),
        Place("issuance_outboxmessage (mentioning them)", len(records.outbox_mentioning), "their email and name scrubbed"),
        Place("issuance_effect", len(records.effects), "transport outcome removed"),
        Place("issuance_outbounddelivery", len(records.deliveries), "payload pseudonymised, request and response removed"),
        Place("issuance_suppression", len(records.suppressions), "deleted"),
        Place("audit_auditrecord", len(records.audit_records), "detail rewritten under the erasure record (chain kept)"),
        Place("django_admin_log", len(records.admin_log), "object name and change message scrubbed"),
        Place("history tables", sum(len(pks) for _, pks in history), "their email and name scrubbed"),
        Place("issuance_importedcredential", len(records.imported),
              "the original's id and address on the platform it came from removed (they lead to their badge there)"),
        Place("issuance_credentialimportupload", len(records.import_uploads),
              "their rows taken out of the stored file, and the platform's answers about them; the others' kept"),
        Place("issuance_learnerdatalink", len(records.data_links),
              "deleted, with its ZIP (a copy of their data emailed from their page), before its link expires"),
        Place("stored files (media)", len(records.files), "deleted (certificates, attachments, copies of their data)"),
        Place("sent-mail files", len(records.mail_files), "deleted (the embedded profile's .eml copies)"),
        Place("public page caches", len(records.credentials), "forgotten"),
    ]
    return places


def _actor(actor) -> dict:
    if actor is None:
        return {"actor_kind": "system", "actor_user": None, "actor_label": "privacy"}
    return {"actor_kind": "staff", "actor_user": actor, "actor_label": actor.get_username()}


def _revoke_and_tell(records: LearnerRecords, actor) -> None:
    """Revoke through the one revocation path; send the resulting deliveries now, while they still name the learner
    the way the connected systems know them (a delivery that fails is retried later with the pseudonym)."""
    for credential in records.credentials:
        if credential.status in NOT_REVOKED:
            credential_revoke(credential=credential, reason=ERASED_REASON, actor=actor)
            due = OutboundDelivery.objects.filter(credential=credential, action=REVOKED,
                                                  status=OutboundDelivery.Status.QUEUED)
            for delivery_id in due.values_list("pk", flat=True):
                delivery_perform(delivery_id=delivery_id)
    detail = f"Stopped: the learner's data was {ERASED_REASON}."
    for issuance in records.issuances:
        if issuance.finished_at is None:
            issuance_stop_erased(issuance=issuance, detail=detail, **_actor(actor))


def _completion_pseudonym(subject: LearnerSubject, completion: dict | None) -> dict | None:
    if not completion:
        return completion
    scrubbed = subject.scrub_value(completion)
    scrubbed.update(email=erased_email(subject.email), name=ERASED_NAME, learner_external_id="", extra={})
    if scrubbed.get("imported"):
        scrubbed["imported"] = {**scrubbed["imported"], "original_id": ERASED_TEXT, "original_url": ""}
    return scrubbed


def _scrub_events(records: LearnerRecords) -> None:
    subject = records.subject
    closed = {CompletionEvent.Status.PARKED, CompletionEvent.Status.ACCEPTED}
    for event in records.events:
        changes = dict(body=ERASED_BODY, headers=subject.scrub_value(event.headers),
                       errors=subject.scrub_value(event.errors), corrections={},
                       external_id=subject.scrub(event.external_id), ignored_reason=subject.scrub(event.ignored_reason),
                       discarded_reason=subject.scrub(event.discarded_reason), learner_label="", completion_key="")
        if event.status in closed:  # nothing is left to process or correct
            changes.update(status=CompletionEvent.Status.DISCARDED, discarded_reason=ERASED_REASON.capitalize(),
                           parked_at=None)
        CompletionEvent.objects.filter(pk=event.pk).update(**changes)
    for shared in records.shared_events:
        event = shared.event
        kept = [item for item in json.loads(bytes(event.body)) if not subject.mentioned_in_value(item)]
        CompletionEvent.objects.filter(pk=event.pk).update(
            body=json.dumps(kept, ensure_ascii=False).encode(), errors=subject.scrub_value(event.errors),
            corrections=subject.scrub_value(event.corrections), learner_label=subject.scrub(event.learner_label))


def _scrub_outbox(records: LearnerRecords) -> None:
    subject, cancelled = records.subject, [OutboxMessage.Status.QUEUED, OutboxMessage.Status.HELD]
    for message in records.outbox_own:
        changes = dict(recipient=erased_email(subject.email), recipient_name=ERASED_NAME, subject=ERASED_EMAIL_TEXT,
                       text_body=ERASED_EMAIL_TEXT, html_body="", headers={}, attachments=[],
                       last_error=subject.scrub(message.last_error))
        if message.status in cancelled:
            changes.update(status=OutboxMessage.Status.FAILED, last_error=f"Not sent: {ERASED_REASON}.",
                           next_attempt_at=None)
        OutboxMessage.objects.filter(pk=message.pk).update(**changes)
    for message in records.outbox_mentioning:
        OutboxMessage.objects.filter(pk=message.pk).update(
            subject=subject.scrub(message.subject), text_body=subject.scrub(message.text_body),
            html_body=subject.scrub(message.html_body), recipient_name=subject.scrub(message.recipient_name))


def _scrub_pipeline(records: LearnerRecords) -> None:
    subject = records.subject
    pseudonym = erased_email(subject.email)
    for learner in records.learners:
        Learner.objects.filter(pk=learner.pk).update(email=pseudonym, name=ERASED_NAME, erased_at=timezone.now())
    LearnerIdentity.objects.filter(pk__in=[identity.pk for identity in records.identities]).delete()
    for issuance in records.issuances:
        Issuance.objects.filter(pk=issuance.pk).update(
            learner_name=ERASED_NAME, completion=_completion_pseudonym(subject, issuance.completion),
            reasons=subject.scrub_value(issuance.reasons), error=subject.scrub(issuance.error))
    for imported in records.imported:  # unique per learner: each keeps a distinct id
        ImportedCredential.objects.filter(pk=imported.pk).update(original_id=f"{ERASED_TEXT} {imported.pk}",
                                                                 original_url="")
    for part in records.import_uploads:
        CredentialImportUpload.objects.filter(pk=part.upload.pk).update(body=part.body, fetched=part.fetched)
    Credential.objects.filter(pk__in=[c.pk for c in records.credentials]).update(
        status=Credential.Status.REVOKED, status_reason=ERASED_REASON, badge=None, pdf="", pdf_sha256="")
    SignedBadgeRevision.objects.filter(pk__in=[r.pk for r in records.badge_revisions]).delete()
    # The learner page's rows: wrong-name reports carry names, and an unused sign-in link the address.
    NameCorrectionRequest.objects.filter(credential__in=[c.pk for c in records.credentials]).update(
        current_name=ERASED_NAME, requested_name=ERASED_NAME, note=ERASED_TEXT)
    LearnerSignIn.objects.filter(address__iexact=subject.email).update(address="", token_hash="")
    LearnerDataLink.objects.filter(pk__in=[link.pk for link in records.data_links]).delete()  # its ZIP goes on commit
    Effect.objects.filter(pk__in=[e.pk for e in records.effects]).update(outcome=ERASED_TEXT)
    for delivery in records.deliveries:
        payload = _learner_pseudonymised(subject.scrub_value(delivery.payload), pseudonym)
        OutboundDelivery.objects.filter(pk=delivery.pk).update(
            payload=payload, request_summary=ERASED_TEXT if delivery.request_summary else "",
            response_summary=ERASED_TEXT if delivery.response_summary else "", last_error=subject.scrub(delivery.last_error))
    Suppression.objects.filter(pk__in=[s.pk for s in records.suppressions]).delete()
    for entry in records.admin_log:
        LogEntry.objects.filter(pk=entry.pk).update(object_repr=subject.scrub(entry.object_repr)[:200],
                                                    change_message=subject.scrub(entry.change_message))
    for history, pks in _history_rows(subject):
        for row in history.objects.filter(pk__in=pks):
            changes = {f.attname: subject.scrub_value(getattr(row, f.attname)) for f in history._meta.concrete_fields
                       if isinstance(f, (TextField, CharField, JSONField)) and not f.primary_key}
            history.objects.filter(pk=row.pk).update(**changes)


def _learner_pseudonymised(value, pseudonym: str):
    """Every `learner` object in a delivery payload (its first and last names too, which no scrub would match)."""
    if isinstance(value, dict):
        value = {key: _learner_pseudonymised(item, pseudonym) for key, item in value.items()}
        if isinstance(value.get("learner"), dict):
            value["learner"].update(name=ERASED_NAME, first_name="", last_name="", email=pseudonym)
    elif isinstance(value, list):
        value = [_learner_pseudonymised(item, pseudonym) for item in value]
    return value


def _forget_files(records: LearnerRecords) -> None:
    for name in records.files:
        default_storage.delete(name)  # a missing file is not an error
    for path in records.mail_files:
        path.unlink(missing_ok=True)
    for credential in records.credentials:
        credential_page_forget(credential_id=credential.pk, certificate_sha256=credential.pdf_sha256)


def _scrub_with_originals(subject: LearnerSubject, imported: list):
    """The subject's scrub, and each of their imported originals' address and id replaced as their record's were
    (`[erased] <n>`): an import's audit record names the original, which leads to their badge on that platform.
    `imported` holds the values read before the records were scrubbed."""
    originals = [(re.compile(r"(?<![\w-])" + re.escape(value) + r"(?![\w-])"), f"{ERASED_TEXT} {record.pk}")
                 for record in imported for value in (record.original_url, record.original_id) if value]

    def rewrite(text: str) -> str:
        text = subject.scrub(text)
        for pattern, replacement in originals:  # the address first: it may hold the id
            text = pattern.sub(replacement, text)
        return text
    return rewrite


def learner_erase(*, subject: LearnerSubject, actor=None, dry_run: bool = False) -> ErasureReport:
    """Erase the learner's personal data in their organisation (or, with `dry_run`, only say where it is)."""
    digest = subject_hash(subject.email)
    records = learner_records(subject)
    places = learner_erasure_plan(records)
    report = ErasureReport(subject_hash=digest, places=places, dry_run=dry_run)
    already = Learner.objects.filter(organization=subject.organization, email=erased_email(subject.email)).exists()
    if not any(place.count for place in places):
        report.already_erased = already
        return report
    if dry_run:
        return report
    _revoke_and_tell(records, actor)
    records = learner_records(subject)  # revocation added audit records and deliveries
    report.places = learner_erasure_plan(records)
    with transaction.atomic():
        _scrub_events(records)
        _scrub_outbox(records)
        _scrub_pipeline(records)
        summary = ", ".join(f"{place.name} {place.count}" for place in report.places if place.count)
        erasure = audit_record(to_state=ERASURE_STATE, detail=(
            f"Learner sha256:{digest} of {subject.organization.slug} {ERASED_REASON}: {summary}."), **_actor(actor))
        audit_records_redact(record_ids=[record.pk for record in records.audit_records], erasure=erasure,
                             rewrite=_scrub_with_originals(subject, records.imported))
        report.erasure_record_id = erasure.pk
        transaction.on_commit(lambda: _forget_files(records))
    return report
