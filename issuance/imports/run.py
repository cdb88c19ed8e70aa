"""The import: the rows the plan says `import`, each re-issued through the pipeline in a transaction of its own
(the original's record and its issuance together, or neither), behind the bulk gate when learners are emailed."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record

from ..completions import Completion
from ..lifecycle.bulk import bulk_gate
from ..models import ImportedCredential
from ..pipeline import issuance_start
from . import READERS
from ..lifecycle.renewal import BESIDE
from .plan import DUPLICATE, ImportPlan, RowOutcome, import_plan


class ImportRefused(ValueError):
    """The bulk gate is closed: the message says why, `count` is the count to confirm."""

    def __init__(self, message: str, *, count: int):
        super().__init__(message)
        self.count = count


@dataclass(frozen=True)
class ImportReport:
    plan: ImportPlan
    imported: int
    duplicates: int  # of those, found imported meanwhile by another run (counted among the plan's duplicates)
    emailed: int

    def summary(self) -> str:
        plan = self.plan
        emailed = f"{self.emailed} learner(s) will be emailed" if self.emailed else "no learner is emailed"
        return (f"Imported {self.imported} credential(s) from {READERS[plan.source].LABEL} ({plan.file_name}); "
                f"{plan.count(DUPLICATE)} duplicate(s), {plan.count('skipped')} skipped, "
                f"{plan.count('bad')} bad row(s); {emailed}.")


def _completion(outcome: RowOutcome, *, source: str, file_name: str) -> Completion:
    row = outcome.row
    return Completion(
        course_id=outcome.course.pk, email=row.email.strip().lower(), name=outcome.name, completed_at=outcome.issued_at,
        imported={"source": source, "source_label": READERS[source].LABEL, "original_id": row.original_id,
                  "original_url": row.original_url, "source_badge": row.badge, "source_badge_url": row.badge_url,
                  "issued_at": outcome.issued_at.isoformat(),
                  "expires_at": outcome.expires_at.isoformat() if outcome.expires_at else None,
                  "imported_at": timezone.now().isoformat(), "file_name": file_name, "row": row.number,
                  # the dry run's word for a row recorded beside a later one of the same file (the pipeline decides
                  # against a live credential itself, on the facts it finds then)
                  "beside": outcome.reason if outcome.held == BESIDE else ""},
    )


def _detail(outcome: RowOutcome, *, source: str, file_name: str, who: str) -> str:
    row = outcome.row
    expiry = f", expiring {outcome.expires_at:%Y-%m-%d}" if outcome.expires_at else ", with no expiry"
    return (f"Imported from {READERS[source].LABEL} by {who}: credential {row.original_id} ({row.badge!r}, row "
            f"{row.number} of {file_name}) for {row.email}, issued {outcome.issued_at:%Y-%m-%d}{expiry}; "
            f"re-issued as {outcome.course.code}.")


def credentials_import(*, plan: ImportPlan, body: bytes, notify_learners: bool, confirmed: int | None,
                       actor_user=None, mapping: dict | None = None, columns: dict | None = None,
                       fetched: dict | None = None, upload=None) -> ImportReport:
    """Re-plan (the database may have moved since the dry run), then import every `import` row.

    With `notify_learners`, above LAUREL_BULK_CONFIRM_OVER nothing happens unless `confirmed` is the exact count
    of learners to email (raises ImportRefused). An original already expired is imported as such and never emailed.
    A URL list is re-planned from the answers its dry run had (`fetched`), not fetched again.
    """
    plan = import_plan(organization=plan.organization, source=plan.source, body=body, file_name=plan.file_name,
                       mapping=mapping, columns=columns, fetched=fetched)
    to_email = plan.would_email(notify_learners=notify_learners)
    gate = bulk_gate(count=to_email, confirmed=confirmed)
    if not gate.open:
        raise ImportRefused(gate.refusal, count=to_email)
    who = actor_user.get_username() if actor_user is not None else "manage.py"
    imported = duplicates = emailed = 0
    for outcome in plan.to_import:
        notify = notify_learners and outcome.emailed
        try:
            with transaction.atomic():
                issuance = issuance_start(
                    completion=_completion(outcome, source=plan.source, file_name=plan.file_name),
                    actor_label=f"credential import ({plan.source})", actor_user=actor_user, notify_learner=notify,
                    detail=_detail(outcome, source=plan.source, file_name=plan.file_name, who=who))
                ImportedCredential.objects.create(
                    issuance=issuance, learner=issuance.learner, source=plan.source, original_id=outcome.row.original_id,
                    original_url=outcome.row.original_url[:1000], source_badge=outcome.row.badge[:300],
                    file_name=plan.file_name[:200], row=outcome.row.number, imported_by=actor_user, upload=upload)
        except IntegrityError:  # another run imported it between our plan and now: it stays imported once
            outcome.outcome, outcome.reason = DUPLICATE, "imported meanwhile by another run"
            duplicates += 1
            continue
        imported += 1
        emailed += notify
    report = ImportReport(plan=plan, imported=imported, duplicates=duplicates, emailed=emailed)
    audit_record(organization=plan.organization, from_state="", to_state="imported",
                 actor_kind="staff" if actor_user is not None else "system", actor_user=actor_user, actor_label=who,
                 detail=f"Credential import from {READERS[plan.source].LABEL} ({plan.file_name}): {plan.summary()} "
                        f"{report.summary()}")
    return report

