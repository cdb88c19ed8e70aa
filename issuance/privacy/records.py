"""Every record Laurel holds about one learner in one organisation: the one list export and erasure both read."""

import email
import json
from dataclasses import dataclass, field
from email import policy

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db.models import Q

from audit.models import AuditRecord

from ..imports.uploads import UploadPart, upload_part
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
    OutboundDelivery,
    OutboxMessage,
    ProgrammeAward,
    RenewalReminder,
    SignedBadgeRevision,
    StatusListEntry,
    Suppression,
)
from .subject import LearnerSubject


@dataclass
class SharedEvent:
    """An event whose body also carries other learners (a batch stored whole): only this learner's part is theirs."""

    event: CompletionEvent
    items: list  # the learner's elements of the batch, or [] when the body could not be read


@dataclass
class LearnerRecords:
    subject: LearnerSubject
    learners: list
    identities: list
    events: list  # this learner's own events
    shared_events: list[SharedEvent]
    issuances: list
    credentials: list
    badge_revisions: list
    outbox_own: list  # emails to the learner, or about one of their issuances
    outbox_mentioning: list  # other emails (staff digests) that name them
    effects: list
    deliveries: list
    reminders: list
    programme_awards: list
    status_entries: list
    suppressions: list
    audit_records: list
    admin_log: list
    imported: list = field(default_factory=list)  # their credentials brought over from another platform
    import_uploads: list[UploadPart] = field(default_factory=list)  # their rows in files uploaded for an import
    data_links: list = field(default_factory=list)  # copies of their data emailed from /me, each a ZIP in storage
    files: list[str] = field(default_factory=list)  # storage names of stored files (PDFs, attachments)
    mail_files: list = field(default_factory=list)  # the embedded profile's .eml copies that name them


def _event_text(event: CompletionEvent) -> str:
    body = bytes(event.body or b"").decode("utf-8", "replace")
    return " ".join([body, *(json.dumps(value, ensure_ascii=False) for value in
                             (event.headers, event.errors, event.corrections))])


def _batch_items(subject: LearnerSubject, event: CompletionEvent) -> list | None:
    """The learner's elements if the body is a JSON array (a batch stored whole), else None (the body is one event)."""
    try:
        parsed = json.loads(bytes(event.body or b""))
    except ValueError:
        return None
    if not isinstance(parsed, list):
        return None
    return [item for item in parsed if subject.mentioned_in_value(item)]


def _events(subject: LearnerSubject, issuances: list) -> tuple[list, list[SharedEvent]]:
    linked = {issuance.event_id for issuance in issuances if issuance.event_id}
    own, shared = [], []
    candidates = CompletionEvent.objects.filter(source__organization=subject.organization).select_related("source")
    for event in candidates.iterator(chunk_size=500):
        if event.pk not in linked and not subject.mentioned_in(_event_text(event)):
            continue
        items = _batch_items(subject, event)
        if items is not None and len(items) != len(json.loads(bytes(event.body))):
            shared.append(SharedEvent(event=event, items=items))
        else:
            own.append(event)
    return own, shared


def _mentions(field_names: list[str], needles: list[str]) -> Q:
    condition = Q(pk__in=[])
    for needle in needles:
        for name in field_names:
            condition |= Q(**{f"{name}__icontains": needle}) | Q(**{f"{name}__contains": needle})
    return condition


def _admin_log(subject: LearnerSubject, objects: dict) -> list:
    condition = _mentions(["object_repr", "change_message"], subject.needles)
    for model, pks in objects.items():
        if pks:
            condition |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks])
    return list(LogEntry.objects.filter(condition))


def _mail_files(subject: LearnerSubject) -> list:
    directory = settings.MAIL_DIR
    if not directory.is_dir():
        return []
    return [path for path in sorted(directory.glob("*.eml"))
            if subject.mentioned_in(_eml_text(path.read_bytes()))]


def _eml_text(raw: bytes) -> str:
    """A stored message as text, its encoded headers and parts decoded (the name is often base64 or RFC 2047)."""
    message = email.message_from_bytes(raw, policy=policy.default)
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
        if part.get_filename():
            parts.append(part.get_filename())
    return "\n".join(parts)


def _credential_files(credentials: list) -> list[str]:
    names = []
    for credential in credentials:
        if credential.pdf:
            names.append(credential.pdf.name)
        # Earlier renderings (a regenerated certificate) stay beside it under a suffixed name.
        folder = credential.pdf.name.rsplit("/", 1)[0] if credential.pdf else ""
        if folder and default_storage.exists(folder):
            _, files = default_storage.listdir(folder)
            names += [f"{folder}/{name}" for name in files if name.startswith(str(credential.pk))]
    return names


def learner_records(subject: LearnerSubject) -> LearnerRecords:
    learner = subject.learner
    learners = [learner] if learner else []
    issuances = list(Issuance.objects.filter(learner=learner).select_related("course", "event")) if learner else []
    credentials = list(Credential.objects.filter(learner=learner).select_related("achievement")) if learner else []
    events, shared = _events(subject, issuances)
    event_ids = [event.pk for event in events]
    own_outbox = Q(issuance__in=issuances) | _mentions(["recipient"], [subject.email])
    organization_outbox = OutboxMessage.objects.filter(organization=subject.organization)
    outbox_own = list(organization_outbox.filter(own_outbox))
    outbox_mentioning = list(organization_outbox.exclude(own_outbox).filter(
        _mentions(["subject", "text_body", "html_body", "recipient_name"], subject.needles)))
    audit_records = list(AuditRecord.objects.filter(
        Q(issuance__in=issuances) | Q(event__in=event_ids) | _mentions(["detail"], subject.needles)
    ).order_by("id"))
    files = _credential_files(credentials)
    for message in outbox_own:
        files += [item["path"] for item in message.attachments if item.get("path")]
    data_links = list(LearnerDataLink.objects.filter(learner__in=learners))
    files += [link.file for link in data_links]
    return LearnerRecords(
        subject=subject,
        learners=learners,
        identities=list(LearnerIdentity.objects.filter(learner=learner).select_related("source")) if learner else [],
        events=events,
        shared_events=shared,
        issuances=issuances,
        credentials=credentials,
        badge_revisions=list(SignedBadgeRevision.objects.filter(credential__in=credentials)),
        outbox_own=outbox_own,
        outbox_mentioning=outbox_mentioning,
        effects=list(Effect.objects.filter(issuance__in=issuances)),
        deliveries=list(OutboundDelivery.objects.filter(issuance__in=issuances).select_related("connection")),
        reminders=list(RenewalReminder.objects.filter(credential__in=credentials)),
        programme_awards=list(ProgrammeAward.objects.filter(learner=learner).select_related("programme")
                              .prefetch_related("constituents")) if learner else [],
        status_entries=list(StatusListEntry.objects.filter(credential__in=credentials).select_related("status_list")),
        suppressions=list(Suppression.objects.filter(organization=subject.organization,
                                                     address__in={subject.email, subject.email.lower()})),
        audit_records=audit_records,
        admin_log=_admin_log(subject, {Learner: [l.pk for l in learners], Issuance: [i.pk for i in issuances],
                                       Credential: [c.pk for c in credentials], CompletionEvent: event_ids,
                                       OutboxMessage: [m.pk for m in outbox_own]}),
        imported=list(ImportedCredential.objects.filter(learner__in=learners).select_related("issuance__credential")),
        import_uploads=[part for upload in CredentialImportUpload.objects.filter(organization=subject.organization)
                        if (part := upload_part(upload=upload, subject=subject))],
        data_links=data_links,
        files=list(dict.fromkeys(name for name in files if name)),
        mail_files=_mail_files(subject),
    )
