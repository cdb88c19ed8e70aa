"""What the learner's own page (/me) remembers: sign-in requests and their links, and wrong-name reports."""

from django.conf import settings
from django.db import models

from .issuances import Credential


class LearnerSignIn(models.Model):
    """One request for a sign-in link at /me, known address or not: the same row either way.

    The address is kept only until the worker has looked at it (cleared for an unknown address) and
    while the link can be used; the digests count requests for the hourly limits without the address.
    """

    address = models.CharField(max_length=320, blank=True, help_text="Normalised; cleared once it is no longer needed.")
    address_digest = models.CharField(max_length=64, help_text="HMAC of the normalised address: the per-address limit.")
    client_digest = models.CharField(max_length=64, help_text="HMAC of the client's IP address: the per-client limit.")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, help_text="When the worker looked the address up.")
    token_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the link's token; the token is never stored.")
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["address_digest", "created_at"], name="sign_in_address_idx"),
            models.Index(fields=["client_digest", "created_at"], name="sign_in_client_idx"),
            models.Index(fields=["token_hash"], name="sign_in_token_idx"),
        ]


class LearnerDataLink(models.Model):
    """A download link, emailed to a signed-in learner, for the copy of their data one organisation holds."""

    organization_path = "organization"

    organization = models.ForeignKey("courses.Organization", on_delete=models.CASCADE, verbose_name="organisation", related_name="+")
    # Whose copy it is, so that erasing them deletes it at once; empty on links made before it was kept.
    learner = models.ForeignKey("issuance.Learner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    file = models.CharField(max_length=300, help_text="The ZIP in storage.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The daily privacy job's sweep of expired copies (issuance/privacy/retention.py) reads only those.
        indexes = [models.Index(fields=["expires_at"], name="learner_data_link_expiry_idx")]


class NameCorrectionRequest(models.Model):
    """A learner's report, from /me, that a credential carries the wrong name: waits in the exception queue."""

    organization_path = "credential__issuance__organization"

    class State(models.TextChoices):
        OPEN = "open", "Waiting for staff"
        REISSUED = "reissued", "Reissued with the corrected name"
        DECLINED = "declined", "Declined"

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="name_corrections")
    current_name = models.CharField(max_length=200, help_text="The name the credential carried when it was reported.")
    requested_name = models.CharField(max_length=200)
    note = models.TextField(blank=True, max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "name correction request"

    def __str__(self):
        return f"Name correction #{self.pk}: {self.current_name} → {self.requested_name}"
