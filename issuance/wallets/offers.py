"""Wallet offers: made in pairs (one per protocol) behind one learner link, claimed once per holder DID.

The link's key is 32 random bytes; each offer's code (and the LCW deep link's challenge, and the
optional transaction code) is an HMAC of it, so the learner's page can show the offers again while
the database keeps only SHA-256 hashes. Looking a code up by its hash compares nothing secret; the
hashes found are compared again with `hmac.compare_digest`.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from courses.access.secret_digest import secret_hash

from ..engagement.counting import engagement_count
from ..models import Credential, WalletOffer, WalletSecret
from ..openbadges.credential_badge import credential_badge_for_holder

Protocol = WalletOffer.Protocol


class OfferRefused(Exception):
    """A claim or a step of one that Laurel refuses; `code` is the protocol's error code, `status` the HTTP status."""

    def __init__(self, message: str, *, code: str = "invalid_request", status: int = 400):
        self.code, self.status = code, status
        super().__init__(message)


def _derive(key: str, purpose: str) -> str:
    digest = hmac.new(key.encode("ascii"), purpose.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class LinkCodes:
    """What a learner's link key opens: each offer's code, the deep link's challenge, the transaction code."""

    key: str

    @property
    def lcw_code(self) -> str:
        return _derive(self.key, "lcw-exchange")

    @property
    def lcw_challenge(self) -> str:
        return _derive(self.key, "lcw-challenge")

    @property
    def pre_authorized_code(self) -> str:
        return _derive(self.key, "oid4vci-pre-authorized-code")

    @property
    def tx_code(self) -> str:
        digest = hmac.new(self.key.encode("ascii"), b"oid4vci-tx-code", hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def wallet_link_create(*, credential: Credential, created_by: str) -> str:
    """Make a fresh pair of offers (LCW and OpenID4VCI) for the credential; returns the link's key."""
    key = secrets.token_urlsafe(32)
    codes = LinkCodes(key)
    expires = timezone.now() + timedelta(days=settings.LAUREL_WALLET_OFFER_DAYS)
    common = {"credential": credential, "link_hash": secret_hash(key), "created_by": created_by[:200],
              "expires_at": expires}
    WalletOffer.objects.bulk_create([
        WalletOffer(protocol=Protocol.LCW, code_hash=secret_hash(codes.lcw_code),
                    challenge_hash=secret_hash(codes.lcw_challenge), **common),
        WalletOffer(protocol=Protocol.OID4VCI, code_hash=secret_hash(codes.pre_authorized_code),
                    tx_code_hash=secret_hash(codes.tx_code) if settings.LAUREL_WALLET_TX_CODE else "", **common),
    ])
    return key


def wallet_link_offers(*, credential_id, key: str) -> dict[str, WalletOffer]:
    """The offers a learner's link key opens, by protocol; empty if the key is not this credential's."""
    offers = WalletOffer.objects.filter(credential_id=credential_id, link_hash=secret_hash(key)).select_related(
        "credential")
    return {offer.protocol: offer for offer in offers if hmac.compare_digest(offer.link_hash, secret_hash(key))}


def wallet_offer_by_code(*, protocol: str, code: str) -> WalletOffer:
    """The offer a code belongs to; refuses an unknown code (404) and an expired offer (410)."""
    if not isinstance(code, str) or not 20 <= len(code) <= 100:
        raise OfferRefused("Unknown offer code.", code="invalid_grant", status=404)
    digest = secret_hash(code)
    offer = WalletOffer.objects.filter(protocol=protocol, code_hash=digest).select_related(
        "credential__issuance__organization").first()
    if offer is None or not hmac.compare_digest(offer.code_hash, digest):
        raise OfferRefused("Unknown offer code.", code="invalid_grant", status=404)
    return offer


def offer_usable_check(offer: WalletOffer) -> None:
    """Refuse an expired offer, one locked by failed attempts, and a credential no longer active."""
    if offer.expires_at <= timezone.now():
        raise OfferRefused("This wallet offer has expired; ask for a new one on your credential's wallet page "
                           "or from the issuer.", code="invalid_grant", status=410)
    if offer.failed_attempts >= settings.LAUREL_WALLET_MAX_ATTEMPTS:
        raise OfferRefused("This wallet offer is locked after too many failed attempts; ask for a new one.",
                           code="invalid_grant", status=403)
    status = Credential.objects.filter(pk=offer.credential_id).values_list("status", flat=True).first()
    if status != Credential.Status.ACTIVE:
        raise OfferRefused(f"This credential is {status} and can no longer be added to a wallet.",
                           code="credential_request_denied", status=403)


def offer_attempt_failed(offer: WalletOffer) -> None:
    WalletOffer.objects.filter(pk=offer.pk).update(failed_attempts=F("failed_attempts") + 1)


# Spent and expired one-time values are kept this long (to tell a replay from a guess), then deleted.
SECRETS_KEPT = timedelta(hours=1)


def one_time_value_issue(*, kind: str, seconds: int, offer: WalletOffer | None = None, domain: str = "") -> str:
    """A fresh random value, stored hashed. Issuing one clears out those past their keeping time, so the
    unauthenticated nonce endpoint cannot grow the table without bound."""
    WalletSecret.objects.filter(expires_at__lt=timezone.now() - SECRETS_KEPT).delete()
    value = secrets.token_urlsafe(32)
    WalletSecret.objects.create(kind=kind, value_hash=secret_hash(value), offer=offer, domain=domain,
                                expires_at=timezone.now() + timedelta(seconds=seconds))
    return value


def one_time_value_find(*, kind: str, value, offer: WalletOffer | None = None) -> WalletSecret | None:
    """The live, unused one-time value of this kind (and offer, when given), or None."""
    if not isinstance(value, str) or not value:
        return None
    digest = secret_hash(value)
    found = WalletSecret.objects.filter(kind=kind, value_hash=digest, used_at=None,
                                        expires_at__gt=timezone.now()).first()
    if found is None or not hmac.compare_digest(found.value_hash, digest):
        return None
    if offer is not None and found.offer_id != offer.pk:
        return None
    return found


def one_time_value_use(secret: WalletSecret) -> bool:
    """Spend it: True for the one request that does (a conditional UPDATE), False for any replay."""
    return bool(WalletSecret.objects.filter(pk=secret.pk, used_at=None).update(used_at=timezone.now()))


def wallet_offer_claim(*, offer: WalletOffer, holder_did: str) -> dict:
    """The credential signed for `holder_did`; the first DID binds the offer, the same DID gets the same credential."""
    protocol = WalletOffer.Protocol(offer.protocol)
    with transaction.atomic():
        locked = WalletOffer.objects.select_for_update(no_key=True).select_related("credential__issuance").get(pk=offer.pk)
        offer_usable_check(locked)
        issuance = locked.credential.issuance
        if locked.holder_did and locked.holder_did != holder_did:
            offer_attempt_failed(locked)
            raise OfferRefused("This offer was already claimed into another wallet; a different wallet needs a "
                               "new offer from your credential's wallet page or from the issuer.",
                               code="credential_request_denied", status=403)
        if locked.holder_did:
            audit_record(issuance=issuance, from_state=issuance.state, to_state=issuance.state, actor_kind="system",
                         actor_label=f"wallet:{protocol}",
                         detail=f"Sent again to the wallet of {holder_did} ({protocol.label}).")
            return locked.claimed_badge
        badge = credential_badge_for_holder(credential=locked.credential, holder_did=holder_did)
        now = timezone.now()
        WalletOffer.objects.filter(pk=locked.pk).update(holder_did=holder_did, claimed_at=now, claimed_badge=badge)
        audit_record(issuance=issuance, from_state=issuance.state, to_state=issuance.state, actor_kind="system",
                     actor_label=f"wallet:{protocol}",
                     detail=f"Claimed into the wallet of {holder_did} ({protocol.label}) at {now.isoformat()}.")
    engagement_count(credential_id=locked.credential_id, counter="wallet_claims")  # a first claim only, once committed
    return badge
