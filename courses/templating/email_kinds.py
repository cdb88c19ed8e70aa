"""The kinds of email Laurel sends."""

from django.db import models


class EmailKind(models.TextChoices):
    """The one list of email kinds: templates are written for them, the outbox records them."""

    CREDENTIAL = "credential", "Credential issued"
    STILL_NEEDED = "still_needed", "What you still need"
    STAFF_DIGEST = "staff_digest", "Staff exception digest"
    RENEWAL_REMINDER = "renewal_reminder", "Renewal reminder"
    REVOCATION_NOTICE = "revocation_notice", "Revocation notice"
    CREDENTIAL_COPY = "credential_copy", "Credential copy (manager, HR)"
