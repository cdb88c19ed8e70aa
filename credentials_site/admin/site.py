"""The admin site: sign-in with an optional two-factor code (django-otp TOTP), locked out by django-axes.

A staff member with a confirmed TOTP device must give its code; one without signs in with the
password alone. With LAUREL_ADMIN_2FA=required a superuser must have a device and use it: a
superuser session that was not verified with a code reaches no admin page.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.urls import path
from django_otp import devices_for_user, match_token
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite
from unfold.widgets import BASE_INPUT_CLASSES

from credentials_site.two_factor_views import two_factor_setup_view


def two_factor_required_for(user) -> bool:
    return settings.LAUREL_ADMIN_2FA == "required" and user.is_superuser


class StaffLoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        required=False, max_length=16, label="Two-factor code",
        help_text="The 6-digit code from your authenticator app, if you have set one up.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                     "class": " ".join(BASE_INPUT_CLASSES)}),
    )

    def clean(self):
        cleaned = super().clean()  # the password, through django-axes, which counts failures
        user = self.user_cache
        if user is None:
            return cleaned
        devices = list(devices_for_user(user, confirmed=True))
        if not devices and two_factor_required_for(user):
            raise forms.ValidationError(
                "Superusers must sign in with a two-factor code, and this account has no authenticator set "
                "up. An operator can set one up with: manage.py totp_enrol " + user.get_username(),
                code="otp_enrolment_required",
            )
        if not devices:
            return cleaned
        token = (cleaned.get("otp_token") or "").replace(" ", "")
        device = match_token(user, token) if token else None
        if device is None:
            # A wrong code counts as a failed sign-in, so guessing codes is locked out like passwords.
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            raise forms.ValidationError(
                "Enter the current code from your authenticator app." if not token
                else "That two-factor code is not right, or it has expired.",
                code="otp_invalid",
            )
        user.otp_device = device  # django-otp marks the session verified when the user logs in
        return cleaned


class LaurelAdminSite(UnfoldAdminSite):
    login_form = StaffLoginForm
    login_template = "admin/laurel_login.html"

    def get_urls(self):
        view = self.admin_view(lambda request: two_factor_setup_view(request, admin_site=self))
        return [path("two-factor/", view, name="two_factor"), *super().get_urls()]

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not two_factor_required_for(request.user) or request.user.is_verified()
