"""What happens to a credential after it is sent: counts and dates only (docs/learners.md#what-is-counted)."""

from django.db import models

from courses.models import Course, Organization

from .issuances import Credential


class CredentialEngagement(models.Model):
    """One row per credential that was ever counted, made by its first count.

    Counters are raised by one atomic upsert each (issuance/engagement/counting.py), never read and
    written back. The organisation, course and issue date are copied from the credential when the row
    is made, so the dashboard's rates read this table alone through `engagement_org_issued_idx`."""

    credential = models.OneToOneField(Credential, on_delete=models.CASCADE, primary_key=True, related_name="engagement")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, verbose_name="organisation", related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    issued_at = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    linkedin_clicks = models.PositiveIntegerField(default=0)
    wallet_claims = models.PositiveIntegerField(default=0)
    verifications = models.PositiveIntegerField(default=0)
    first_counted_at = models.DateTimeField()
    last_counted_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "issued_at"], name="engagement_org_issued_idx"),
            models.Index(fields=["course", "issued_at"], name="engagement_course_issued_idx"),
        ]

    def __str__(self):
        return f"Engagement of {self.credential_id}"
