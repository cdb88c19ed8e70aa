from django.db import models


class WaitingTurn(models.Model):
    """One piece of queued work waiting for its organisation's turn (docs/decisions/0012).

    django-q2 runs tasks first in, first out; the task a worker pops takes the waiting turn with the
    lowest round of its kind instead of its own. Each organisation's work gets consecutive rounds
    from the round being served, so organisations alternate and, within one, work keeps its order.
    A row lives only while its work waits: taking it deletes it.
    """

    class Kind(models.TextChoices):
        EVENT = "event", "Completion event"
        ISSUANCE = "issuance", "Issuance step"
        EMAIL = "email", "Email"
        DELIVERY = "delivery", "Outbound delivery"

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ref = models.CharField(max_length=64, help_text="The waiting row's primary key.")
    # A plain number, not a foreign key: the queue never joins, and deleting an organisation's rows
    # leaves a turn whose task finds nothing to do.
    organization_id = models.BigIntegerField(default=0, help_text="0 for work no organisation owns.")
    round = models.BigIntegerField()
    not_before = models.DateTimeField(null=True, blank=True, help_text="A retry's turn is not taken before this.")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "issuance_waiting_turn"
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="waiting_turn_once")]
        indexes = [
            models.Index(fields=["kind", "round", "id"], name="waiting_turn_next_idx"),
            models.Index(fields=["kind", "organization_id", "round"], name="waiting_turn_org_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.ref} (organisation {self.organization_id}, round {self.round})"
