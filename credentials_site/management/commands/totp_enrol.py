"""manage.py totp_enrol USERNAME: give a staff account an authenticator (TOTP) for two-factor sign-in."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from credentials_site.two_factor import totp_device_create


class Command(BaseCommand):
    help = "Create a confirmed TOTP device for a staff user and print its otpauth:// URL and a QR code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="Remove the user's existing TOTP devices first.")

    def handle(self, *args, username, replace, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff user named {username!r}.")
        try:
            device, url = totp_device_create(user=user, replace=replace)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Scan this with an authenticator app, or enter the URL by hand:\n{url}\n")
        self.stdout.write(device_qr_text(url))
        self.stdout.write(f"{username} now needs a code from it at every admin sign-in.")


def device_qr_text(url: str) -> str:
    import io

    import qrcode

    code = qrcode.QRCode(border=2)
    code.add_data(url)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
