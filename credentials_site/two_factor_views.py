"""/admin/two-factor/: a staff member sets up their own authenticator for two-factor sign-in;
/admin/two-factor/code/: its code, asked after the identity provider when the installation says so."""

from urllib.parse import parse_qs, urlsplit

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django_otp import devices_for_user, login as otp_login, match_token

from .two_factor import totp_device_confirm, totp_device_pending, totp_qr_svg


def two_factor_setup_view(request, *, admin_site):
    context = {**admin_site.each_context(request), "title": "Two-factor sign-in"}
    if any(devices_for_user(request.user, confirmed=True)):
        return TemplateResponse(request, "admin/two_factor.html", {**context, "enabled": True})
    device = totp_device_pending(user=request.user)
    error = ""
    if request.method == "POST":
        if totp_device_confirm(device=device, token=request.POST.get("otp_token", "")):
            otp_login(request, device)  # this session has now shown a code
            messages.success(request, "Two-factor sign-in is on: every sign-in now asks for a code from your app.")
            return redirect("admin:index")
        error = "That code is not right, or it has expired. Enter the code your app shows now."
    return TemplateResponse(request, "admin/two_factor.html", {
        **context, "enabled": False, "error": error, "secret": parse_qs(urlsplit(device.config_url).query)["secret"][0],
        # qrcode's own SVG of a URL we built: no learner or staff text in it.
        "qr_svg": mark_safe(totp_qr_svg(device.config_url)),  # nosec B308 B703: SVG generated from our own URL
    })


def provider_sign_in_needs_code(request) -> bool:
    """A session the identity provider signed in, with LAUREL_ADMIN_2FA=required and LAUREL_OIDC_2FA=local,
    that has not yet given a code from the person's Laurel authenticator (docs/sign-in.md)."""
    return (settings.LAUREL_ADMIN_2FA == "required" and settings.LAUREL_OIDC_2FA == "local"
            and request.session.get("laurel_sign_in") == "provider"
            and not getattr(request.user, "is_verified", lambda: False)())  # django-otp's, once its middleware has run


def two_factor_code_view(request, *, admin_site):
    """/admin/two-factor/code/: after the identity provider, the code from the person's own authenticator."""
    if not (request.user.is_active and request.user.is_staff):
        return redirect("admin:login")
    if not provider_sign_in_needs_code(request):
        return redirect("admin:index")
    context = {**admin_site.each_context(request), "title": "Two-factor code"}
    username = request.user.get_username()
    if not any(devices_for_user(request.user, confirmed=True)):
        return TemplateResponse(request, "admin/two_factor_code.html", {**context, "no_device": True}, status=403)
    error = ""
    if request.method == "POST":
        credentials = {"username": username}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return TemplateResponse(request, "admin/two_factor_code.html", {
                **context, "error": "Too many wrong codes: this account is locked for now. Ask an operator to unlock it."},
                status=429)
        device = match_token(request.user, request.POST.get("otp_token", "").replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(request.session.get("oidc_login_next") or "admin:index")
        # A wrong code counts as a failed sign-in, so guessing codes is locked out like passwords.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        error = "That two-factor code is not right, or it has expired."
    return TemplateResponse(request, "admin/two_factor_code.html", {**context, "error": error},
                            status=400 if error else 200)
