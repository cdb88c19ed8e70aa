"""`manage.py sweep`: re-queue issuances that stopped moving and events never processed (the schedule runs the same every minute)."""

from django.core.management.base import BaseCommand

from issuance.sweep import completion_events_sweep, issuance_sweep


class Command(BaseCommand):
    help = ("Re-queue issuances whose retry is due or that have not moved for LAUREL_STALL_SECONDS, and received "
            "events no worker processed for LAUREL_EVENT_STALL_SECONDS.")

    def add_arguments(self, parser):
        parser.add_argument("--stalled-after", type=int, help="Seconds without movement (default: LAUREL_STALL_SECONDS).")
        parser.add_argument("--events-stalled-after", type=int,
                            help="Seconds an event may wait unprocessed (default: LAUREL_EVENT_STALL_SECONDS).")

    def handle(self, *args, stalled_after=None, events_stalled_after=None, **options):
        ids = issuance_sweep(stalled_after=stalled_after)
        events = completion_events_sweep(stalled_after=events_stalled_after)
        self.stdout.write(f"Re-queued {len(ids)} issuance{'s' if len(ids) != 1 else ''}"
                          f" and {len(events)} unprocessed event{'s' if len(events) != 1 else ''}.")
