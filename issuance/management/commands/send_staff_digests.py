"""manage.py send_staff_digests: what the every-minute schedule does, for cron or a shell."""

from django.core.management.base import BaseCommand

from issuance.intake.digests import staff_digests_send


class Command(BaseCommand):
    help = "Email each organisation's staff a digest of new parked events (at most one per 15 minutes each)."

    def handle(self, *args, **options):
        sent = staff_digests_send()
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} staff digest{'s' if sent != 1 else ''}."))
