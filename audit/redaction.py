"""Rewriting the detail of past audit records when a learner's data is erased, without breaking the chain.

The chain covers each detail's salted digest (ADR 0007). Redacting replaces the text, drops the salt
(so the digest can no longer confirm a guess at what it said) and points the record at the erasure
record that did it, which `audit_chain_verify` requires to be a later `erased` record.
"""

from collections.abc import Callable, Iterable

from django.db import transaction

from .models import AuditRecord


def audit_records_redact(*, record_ids: Iterable[int], erasure: AuditRecord, rewrite: Callable[[str], str]) -> int:
    """Rewrite each record's detail with `rewrite`; returns how many were rewritten. Running it again is harmless."""
    count = 0
    with transaction.atomic():
        for record in AuditRecord.objects.filter(pk__in=list(record_ids), pk__lt=erasure.pk).only("pk", "detail"):
            AuditRecord.objects.filter(pk=record.pk).update(detail=rewrite(record.detail)[:2000], detail_salt="",
                                                            redacted_by=erasure)
            count += 1
    return count
