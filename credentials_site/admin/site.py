"""The admin site: sign-in with an optional two-factor code (django-otp TOTP), locked out by django-axes.

A staff member with a confirmed TOTP device must give its code; one without signs in with the
password alone. With LAUREL_ADMIN_2FA=required a superuser must have a device and use it: a
superuser session that was not verified with a code reaches no admin page.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django_otp import devices_for_user, match_token
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite
from unfold.widgets import BASE_INPUT_CLASSES

from courses.access.two_factor import two_factor_missing, two_factor_required_for
from credentials_site.two_factor_views import provider_sign_in_needs_code, two_factor_code_view, two_factor_setup_view


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

    def login(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if settings.LAUREL_OIDC_ENABLED:
            # Beside the local form, which stays for break-glass accounts (docs/sign-in.md).
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME) or ""
            extra_context["provider_sign_in"] = {
                "name": settings.LAUREL_OIDC_PROVIDER_NAME,
                "url": reverse("oidc_authentication_init") + (f"?{urlencode({'next': next_url})}" if next_url else ""),
            }
        return super().login(request, extra_context)

    def get_urls(self):
        view = self.admin_view(lambda request: two_factor_setup_view(request, admin_site=self))
        return [
            path("two-factor/", view, name="two_factor"),
            # Not behind admin_view: the session it serves is not let into the admin until it gives the code.
            path("two-factor/code/", lambda request: two_factor_code_view(request, admin_site=self), name="two_factor_code"),
            # Before Django's own shortcut, which reads any organisation's row and answered a
            # non-UUID id for a UUID key with a 500.
            path("r/<str:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site"),
            *super().get_urls(),
        ]

    def view_on_site(self, request, content_type_id: str, object_id: str):
        """The object's public page, found only through its admin (so only in the staff member's
        organisations); anything else, missing, another organisation's or unreadable, is one 404."""
        nothing = Http404("Nothing to show at this address.")
        if not content_type_id.isdigit() or len(content_type_id) > 9:
            raise nothing
        content_type = ContentType.objects.filter(pk=int(content_type_id)).first()
        model_admin = self._registry.get(content_type.model_class()) if content_type else None
        if model_admin is None:
            raise nothing
        try:
            with transaction.atomic():  # an id past the key's column (DataError) leaves the request usable
                obj = model_admin.get_object(request, unquote(object_id))
        except (DatabaseError, OverflowError):
            obj = None
        if obj is None or not model_admin.has_view_permission(request, obj) or not hasattr(obj, "get_absolute_url"):
            raise nothing
        return HttpResponseRedirect(obj.get_absolute_url())

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if two_factor_missing(request.user):
            return False
        return not provider_sign_in_needs_code(request)
