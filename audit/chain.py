"""The audit trail as a hash chain: each record hashes its content with its predecessor's hash.

Appending takes a row lock on the chain head (SELECT … FOR UPDATE on PostgreSQL; on SQLite every
write transaction is IMMEDIATE, so writers already take turns), so two workers never chain to the
same predecessor. `audit_chain_verify` walks the records in order and names the first broken link.

The chain hashes a salted digest of each record's `detail` (ADR 0007): the text itself is checked
against that digest, until a learner's erasure rewrites it (`audit.redaction`); the record's place,
time, states and actor stay proven either way.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timezone as dt_timezone

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditRecord

HASHED_FIELDS = ["id", "at", "issuance_id", "event_id", "from_state", "to_state", "actor_kind", "actor_user_id",
                 "actor_label", "detail_digest"]
# The first chain's definition (migration 0003), before the detail was hashed through its digest.
HASHED_FIELDS_V1 = [*HASHED_FIELDS[:-1], "detail"]
ERASURE_STATE = "erased"  # the to_state of the record a learner's erasure writes


def audit_detail_digest(*, salt: str, detail: str) -> str:
    return hashlib.sha256(f"{salt}\n{detail}".encode()).hexdigest()


def audit_detail_seal(detail: str) -> tuple[str, str]:
    """A fresh salt and the digest of `detail` under it."""
    salt = secrets.token_hex(16)
    return salt, audit_detail_digest(salt=salt, detail=detail)


def audit_record_hash(record, *, previous_hash: str, fields: list[str] = HASHED_FIELDS) -> str:
    content = {name: getattr(record, name) for name in fields}
    content["at"] = record.at.astimezone(dt_timezone.utc).isoformat()
    for name in ("issuance_id", "event_id"):  # UUIDs, stored as text or native uuid by the database
        content[name] = str(content[name]) if content[name] is not None else None
    # Hashed when recorded, so moving a record to another organisation breaks the chain; records from
    # before organisations were recorded have none and hash exactly as they did when written.
    organization_id = getattr(record, "organization_id", None)  # historical models in old migrations lack it
    if organization_id is not None:
        content["organization_id"] = organization_id
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def _head_locked() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update(no_key=True).filter(pk=1).first()
    if head is None:  # a fresh or flushed database: start where the records end
        last = AuditRecord.objects.order_by("-id").first()
        AuditChainHead.objects.get_or_create(pk=1, defaults={
            "last_record_id": last.pk if last else None, "last_hash": last.record_hash if last else "",
            "length": AuditRecord.objects.count(),
        })
        head = AuditChainHead.objects.select_for_update(no_key=True).get(pk=1)
    return head


def audit_chain_append(**fields) -> AuditRecord:
    # Inside the caller's transaction (every move of an issuance) no savepoint of its own: an error here
    # rolls the caller's whole transaction back anyway, so the savepoint was two round trips for nothing.
    with transaction.atomic(savepoint=False):
        head = _head_locked()
        fields["detail_salt"], fields["detail_digest"] = audit_detail_seal(fields.get("detail", ""))
        # The head, locked, numbers the record: its id (part of the hash) is known before the INSERT, so
        # the record is written once, hash included, instead of inserted and then updated with its hash.
        # Every record is appended here, under this lock, so the next number is free.
        record = AuditRecord(id=(head.last_record_id or 0) + 1, at=timezone.now(), previous_hash=head.last_hash,
                             **fields)
        record.record_hash = audit_record_hash(record, previous_hash=head.last_hash)
        record.save_base(raw=True, force_insert=True)  # raw: `at` stays as hashed rather than stamped again
        AuditChainHead.objects.filter(pk=1).update(last_record_id=record.pk, last_hash=record.record_hash,
                                                   length=head.length + 1)
    return record


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None  # the id of the first record whose link does not hold
    problem: str = ""
    last_record_id: int | None = None
    last_hash: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def audit_chain_verify() -> ChainReport:
    previous_hash, previous_id, checked = "", None, 0
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        if record.previous_hash != previous_hash:
            after = f"record #{previous_id}" if previous_id is not None else "the start of the trail"
            return ChainReport(checked, record.pk, f"audit record #{record.pk} does not follow {after}: a record "
                                                   "between them was removed or inserted, or the link was edited")
        if record.record_hash != audit_record_hash(record, previous_hash=previous_hash):
            return ChainReport(checked, record.pk, f"audit record #{record.pk} ({record}) was changed after it was "
                                                   "written: its content does not match its hash")
        problem = _detail_problem(record)
        if problem:
            return ChainReport(checked, record.pk, f"audit record #{record.pk} ({record}) {problem}")
        previous_hash, previous_id, checked = record.record_hash, record.pk, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous_hash or head.length != checked):
        return ChainReport(checked, head.last_record_id, f"the trail ends at record #{previous_id} after {checked} "
                                                         f"records, but record #{head.last_record_id} was the last of "
                                                         f"{head.length} written: records were removed from the end")
    return ChainReport(checked, last_record_id=previous_id, last_hash=previous_hash)


def _detail_problem(record: AuditRecord) -> str:
    if record.redacted_by_id is None:
        if record.detail_digest != audit_detail_digest(salt=record.detail_salt, detail=record.detail):
            return "was changed after it was written: its detail does not match its digest"
        return ""
    # Rewritten by an erasure: the text is no longer proven, but only an erasure written after it may do that.
    eraser = AuditRecord.objects.filter(pk=record.redacted_by_id).values("to_state").first()
    if record.redacted_by_id <= record.pk or eraser is None or eraser["to_state"] != ERASURE_STATE:
        return f"claims to be redacted by record #{record.redacted_by_id}, which is not a later erasure record"
    return ""


def audit_chain_rebuild(record_model, head_model, *, fields: list[str] = HASHED_FIELDS) -> int:
    """Chain the records again from the start (the migrations call this with historical models)."""
    previous_hash, count, last_id = "", 0, None
    for record in record_model.objects.order_by("id").iterator(chunk_size=2000):
        record_hash = audit_record_hash(record, previous_hash=previous_hash, fields=fields)
        record_model.objects.filter(pk=record.pk).update(previous_hash=previous_hash, record_hash=record_hash)
        previous_hash, count, last_id = record_hash, count + 1, record.pk
    head_model.objects.update_or_create(pk=1, defaults={"last_record_id": last_id, "last_hash": previous_hash,
                                                        "length": count})
    return count


def audit_chain_rekey(record_model, head_model) -> int:
    """Move a first-definition chain to digests of the detail (migration 0004): check it, seal each detail, re-chain.

    A chain that does not verify under the first definition is not re-chained: that would hide the break.
    """
    previous_hash = ""
    for record in record_model.objects.order_by("id").iterator(chunk_size=2000):
        if record.previous_hash != previous_hash or record.record_hash != audit_record_hash(
                record, previous_hash=previous_hash, fields=HASHED_FIELDS_V1):
            raise RuntimeError(f"Audit record #{record.pk} does not verify: run `manage.py audit_verify` on the "
                               "previous release and resolve the break before migrating.")
        previous_hash = record.record_hash
        salt, digest = audit_detail_seal(record.detail)
        record_model.objects.filter(pk=record.pk).update(detail_salt=salt, detail_digest=digest)
    return audit_chain_rebuild(record_model, head_model)
