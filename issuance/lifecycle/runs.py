"""One run of renewal reminders, for the command and the daily task: count, gate, send, report."""

from dataclasses import dataclass, field
from datetime import date

from courses.models import Organization

from .bulk import bulk_gate
from .reminders import (
    DueReminder,
    organization_reminders_due,
    organization_today,
    reminder_offset_label,
    renewal_reminder_send,
)

OUTCOMES = ("sent", "queued", "suppressed", "failed", "taken")


@dataclass
class OffsetCounts:
    due: int = 0
    suppressed: int = 0
    outcomes: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))


@dataclass
class ReminderRun:
    dry_run: bool
    offsets: dict[int, OffsetCounts] = field(default_factory=dict)
    refused: str = ""
    planned: list[DueReminder] = field(default_factory=list)  # who, for a dry run's list

    def recipients(self) -> list[str]:
        """One line per reminder planned, latest offset first: who would be emailed (or is suppressed), for what."""
        ordered = sorted(self.planned, key=lambda due: (-due.offset_days, due.credential.learner.email))
        return [
            f"{'suppressed' if due.suppressed else 'would email'} {due.credential.learner.email}: "
            f"{due.credential.achievement.name} ({due.credential.issuance.organization.slug}), "
            f"{reminder_offset_label(due.offset_days)}, expires {due.expires_on.isoformat()}"
            for due in ordered
        ]

    @property
    def to_email(self) -> int:
        return sum(counts.due - counts.suppressed for counts in self.offsets.values())

    def lines(self) -> list[str]:
        ordered = sorted(self.offsets.items(), key=lambda item: -item[0])
        total = OffsetCounts()
        lines = []
        for offset, counts in ordered:
            lines.append(f"{reminder_offset_label(offset)}: {self._describe(counts)}")
            total.due += counts.due
            total.suppressed += counts.suppressed
            for name, value in counts.outcomes.items():
                total.outcomes[name] += value
        lines.append(f"total: {self._describe(total)}")
        if self.refused:
            lines.append(self.refused)
        return lines

    def _describe(self, counts: OffsetCounts) -> str:
        emailed = counts.due - counts.suppressed
        if self.dry_run or self.refused:
            return f"{emailed} would be sent, {counts.suppressed} suppressed"
        parts = [f"{counts.outcomes['sent']} sent"]
        parts += [f"{counts.outcomes[name]} {label}" for name, label in (
            ("queued", "queued for a retry"), ("failed", "failed"), ("taken", "already claimed by another run"))
            if counts.outcomes[name]]
        parts.append(f"{counts.suppressed} suppressed")
        return ", ".join(parts)


class UnknownOrganization(ValueError):
    pass


def renewal_reminders_run(*, today: date | None = None, organization_slug: str = "", dry_run: bool = False,
                          yes_send: int | None = None) -> ReminderRun:
    """Find what is due in each organisation (on `today` as its local date), then send it unless told not to.

    Above LAUREL_BULK_CONFIRM_OVER learners nothing is sent unless `yes_send` is the exact count.
    """
    organizations = Organization.objects.order_by("pk")
    if organization_slug:
        organizations = organizations.filter(slug=organization_slug)
        if not organizations.exists():
            raise UnknownOrganization(f"No organisation has the slug {organization_slug!r}.")
    run = ReminderRun(dry_run=dry_run)
    planned: list[tuple[DueReminder, date]] = []
    for organization in organizations:
        local_today = today or organization_today(organization=organization)
        for achievement in organization.achievements.all():
            for offset in achievement.reminder_offsets:
                run.offsets.setdefault(offset, OffsetCounts())
        for due in organization_reminders_due(organization=organization, today=local_today):
            counts = run.offsets.setdefault(due.offset_days, OffsetCounts())
            counts.due += 1
            counts.suppressed += due.suppressed
            planned.append((due, local_today))
    run.planned = [due for due, _ in planned]
    gate = bulk_gate(count=run.to_email, confirmed=yes_send)
    if not gate.open:
        run.refused = gate.refusal
    if dry_run or run.refused:
        return run
    for due, local_today in planned:
        outcome = renewal_reminder_send(due=due, today=local_today)
        counts = run.offsets[due.offset_days]
        if outcome == "suppressed" and due.suppressed:
            continue  # already counted as suppressed when planned
        counts.outcomes[outcome] += 1
        if outcome == "suppressed":
            counts.suppressed += 1  # suppressed between planning and sending
    return run
