"""Organisations' signing keys: made with the organisation, rotated by staff, never deleted."""

from functools import lru_cache

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .crypto import (
    key_encryption_key_configured,
    key_pair_generate,
    private_key_decrypt,
    private_key_encrypt,
)

from ..models import Organization, OrganizationSigningKey


def _next_key_id(organization: Organization) -> str:
    numbers = [
        int(key_id.removeprefix("key-"))
        for key_id in organization.signing_keys.values_list("key_id", flat=True)
        if key_id.removeprefix("key-").isdigit()
    ]
    return f"key-{max(numbers, default=0) + 1}"


@transaction.atomic
def organization_key_rotate(*, organization: Organization) -> OrganizationSigningKey:
    """Retire the active key (it stays published) and make a new one that signs from now on."""
    # Lock the organisation row so two rotations cannot pick the same key id.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
    organization.signing_keys.filter(retired_at__isnull=True).update(retired_at=timezone.now())
    key_pair = key_pair_generate()
    return OrganizationSigningKey.objects.create(
        organization=organization,
        key_id=_next_key_id(organization),
        public_key_multibase=key_pair.public_key_multibase,
        private_key_encrypted=private_key_encrypt(private_key=key_pair.private_key),
    )


def organization_key_active(*, organization: Organization) -> OrganizationSigningKey:
    """The key that signs now; made on the spot for an organisation that predates keys."""
    # At most one key is active (a constraint says so): no need for the default ordering's join.
    key = organization.signing_keys.filter(retired_at__isnull=True).order_by("pk").first()
    return key if key is not None else organization_key_rotate(organization=organization)


@lru_cache(maxsize=64)
def _private_key_decrypted(token: str, secret: str):
    return private_key_decrypt(token=token, secret=secret)


def signing_key_private(*, key: OrganizationSigningKey):
    """The key's private half, decrypted once per process for each stored value and encryption key.

    The cache is keyed by the encrypted value and LAUREL_KEY_ENCRYPTION_KEY itself, so a rotated key
    (a new value) is decrypted afresh, and a changed or missing encryption key fails as it always did.
    """
    return _private_key_decrypted(key.private_key_encrypted, key_encryption_key_configured())


@receiver(post_save, sender=Organization, dispatch_uid="organization_signing_key_on_create")
def _organization_created(sender, instance: Organization, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        organization_key_rotate(organization=instance)
