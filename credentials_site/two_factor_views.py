"""/admin/two-factor/: a staff member sets up their own authenticator for two-factor sign-in."""

from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django_otp import devices_for_user, login as otp_login

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
