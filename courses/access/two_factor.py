"""Who must have passed two-factor before a session may act: the one rule the admin and the API share."""

from django.conf import settings


def two_factor_required_for(user) -> bool:
    """With LAUREL_ADMIN_2FA=required, a superuser's session must have been verified with a code."""
    return settings.LAUREL_ADMIN_2FA == "required" and bool(getattr(user, "is_superuser", False))


def two_factor_missing(user) -> bool:
    """The session's user must pass two-factor and has not (django-otp's `is_verified`, set by its middleware)."""
    if not two_factor_required_for(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())
