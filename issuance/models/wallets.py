"""Wallet offers: one credential offered to one wallet protocol, and the one-time values its claim uses."""

import uuid

from django.db import models

from .issuances import Credential


class WalletOffer(models.Model):
    """A credential offered through one protocol. Its codes are random and kept only as SHA-256 hashes.

    Both offers of one wallet link (the learner's email or page) share `link_hash`, the hash of the
    key in the link, from which the offers' codes are derived. The first holder DID to claim binds
    the offer: the same DID gets the same credential again, any other DID is refused.
    """

    organization_path = "credential__issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Protocol(models.TextChoices):
        LCW = "lcw", "Learner Credential Wallet"
        OID4VCI = "oid4vci", "OpenID4VCI"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="wallet_offers")
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    link_hash = models.CharField(max_length=64, db_index=True, editable=False)
    code_hash = models.CharField(max_length=64, unique=True, editable=False,
                                 help_text="SHA-256 of the exchange code (LCW) or the pre-authorized code.")
    challenge_hash = models.CharField(max_length=64, blank=True, editable=False,
                                      help_text="SHA-256 of the deep link's challenge (LCW).")
    tx_code_hash = models.CharField(max_length=64, blank=True, editable=False,
                                    help_text="SHA-256 of the transaction code, when the offer asks for one.")
    created_by = models.CharField(max_length=200, help_text="What made it: the credential email, the learner's page, "
                                                            "or a staff member.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    code_redeemed_at = models.DateTimeField(null=True, blank=True, help_text="When the pre-authorized code was "
                                                                             "exchanged for a token (once only).")
    holder_did = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_badge = models.JSONField(null=True, blank=True, help_text="The credential as signed for the holder.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_protocol_display()} offer"


class WalletSecret(models.Model):
    """A one-time value: an exchange challenge (LCW), a c_nonce or an access token (OpenID4VCI)."""

    organization_path = "offer__credential__issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Kind(models.TextChoices):
        CHALLENGE = "challenge", "Presentation request challenge"
        NONCE = "nonce", "c_nonce"
        ACCESS_TOKEN = "token", "Access token"

    kind = models.CharField(max_length=9, choices=Kind.choices)
    value_hash = models.CharField(max_length=64, unique=True)
    offer = models.ForeignKey(WalletOffer, on_delete=models.CASCADE, null=True, blank=True, related_name="secrets")
    domain = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.value_hash[:8]}…"
