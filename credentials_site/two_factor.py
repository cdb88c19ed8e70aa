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


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's unconfirmed device, made on first ask, until a code from it confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """True, and the device switched on, if `token` is its current code."""
    if not device.verify_token(token.replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def totp_qr_svg(url: str) -> str:
    """The otpauth:// URL as an inline SVG (no script, no data: URL: the page's CSP allows it as is)."""
    import qrcode
    import qrcode.image.svg

    return qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
