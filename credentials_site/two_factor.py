"""Two-factor devices for staff: one confirmed TOTP device per account (django-otp)."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_create(*, user, replace: bool = False) -> tuple[TOTPDevice, str]:
    """A confirmed TOTP device for `user` and its otpauth:// URL (the secret: show it only to them)."""
    with transaction.atomic():
        existing = TOTPDevice.objects.filter(user=user)
        if existing.exists() and not replace:
            raise ValueError(f"{user.get_username()} already has an authenticator; pass --replace to replace it.")
        existing.delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device, device.config_url
