"""A learner found to satisfy a programme: the row that makes its credential issue exactly once."""

from django.db import models

from courses.models import Programme

from .issuances import Credential, Issuance, Learner


class ProgrammeAward(models.Model):
    """One learner's award of one programme, opened when they first satisfy it.

    At most one open award per learner and programme (a partial unique index): when two constituent
    completions finish at the same instant on two workers, both try to insert it and one wins; only
    the winner opens the programme's issuance. An award is closed when its credential is revoked or
    its issuance ended without one, so the learner may earn the programme again.
    """

    organization_path = "programme__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="awards")
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="programme_awards")
    issuance = models.OneToOneField(
        Issuance, on_delete=models.PROTECT, null=True, blank=True, related_name="programme_award",
        help_text="The programme credential's issuance, opened with the award.",
    )
    constituents = models.ManyToManyField(
        Credential, related_name="programme_awards", help_text="The credentials that satisfied the programme: its evidence.",
    )
    awarded_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    notice = models.TextField(blank=True, help_text="What the programme's policy did when a constituent was revoked or expired.")
    notice_at = models.DateTimeField(null=True, blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True, help_text="When a staff digest told staff of the notice.")
    suspended_for = models.ForeignKey(
        Credential, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The constituent whose loss made the programme's policy suspend its credential: restored when it is earned again.",
    )

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "learner"], condition=models.Q(closed_at__isnull=True),
                                    name="programme_award_one_open"),
        ]
        indexes = [models.Index(fields=["notice_at", "staff_notified_at"], name="programme_award_notice_idx")]

    def __str__(self):
        return f"{self.programme.code} for {self.learner.email}"
