"""`manage.py sweep`: re-queue issuances that stopped moving (the schedule runs the same every minute)."""

from django.core.management.base import BaseCommand

from issuance.sweep import issuance_sweep


class Command(BaseCommand):
    help = "Re-queue issuances whose retry is due or that have not moved for LAUREL_STALL_SECONDS."

    def add_arguments(self, parser):
        parser.add_argument("--stalled-after", type=int, help="Seconds without movement (default: LAUREL_STALL_SECONDS).")

    def handle(self, *args, stalled_after=None, **options):
        ids = issuance_sweep(stalled_after=stalled_after)
        self.stdout.write(f"Re-queued {len(ids)} issuance{'s' if len(ids) != 1 else ''}.")
