"""manage.py worker_health: exit 0 when this worker host's qcluster beat within LAUREL_WORKER_STALL_SECONDS, 1 if not.

The check `scripts/worker-health` runs for the container HEALTHCHECK and for any supervisor without a
watchdog (docs/deployment.md). `--all` checks every host; `--forget HOST` removes a host taken out of
service, so it is no longer shown as stalled.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from issuance.health import worker_hosts
from issuance.models import WorkerHeartbeat


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--host", default="", help="the worker host to check (default LAUREL_WORKER_HOST)")
        parser.add_argument("--all", action="store_true", help="check every worker host that has ever beaten")
        parser.add_argument("--forget", metavar="HOST", help="remove HOST's heartbeat row and exit")

    def handle(self, *args, host="", all=False, forget=None, **options):
        if forget:
            removed, _ = WorkerHeartbeat.objects.filter(host=forget).delete()
            if not removed:
                raise CommandError(f"no worker host named {forget!r} has a heartbeat")
            self.stdout.write(f"forgot worker host {forget}")
            return
        threshold = settings.LAUREL_WORKER_STALL_SECONDS
        hosts = worker_hosts()
        if not all:
            name = host or settings.LAUREL_WORKER_HOST
            hosts = [entry for entry in hosts if entry["host"] == name]
            if not hosts:
                self.stdout.write(f"stalled: worker host {name} has never beaten")
                sys.exit(1)
        for entry in hosts:
            state = "stalled" if entry["stalled"] else "ok"
            self.stdout.write(f"{state}: worker host {entry['host']} last beat {entry['seconds_ago']:.0f} s ago "
                              f"(limit {threshold} s)")
        if any(entry["stalled"] for entry in hosts):
            sys.exit(1)
