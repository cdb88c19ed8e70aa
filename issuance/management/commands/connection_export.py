"""`manage.py connection_export --connection ID`: a connection's settings as the JSON document `connection_add --config` reads.

Secrets are never in it: they are stored encrypted, apart from the settings, and given again with
--secret when the document is imported elsewhere.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from issuance.models import Connection


class Command(BaseCommand):
    help = "Write a connection's settings (for rest: the connection file) as JSON, without its secret."

    def add_arguments(self, parser):
        parser.add_argument("--connection", required=True, type=int, help="the connection's id")

    def handle(self, *args, **options):
        connection = Connection.objects.select_related("organization").filter(pk=options["connection"]).first()
        if connection is None:
            raise CommandError(f"No connection {options['connection']}; see the admin's Connections list for the ids.")
        self.stdout.write(json.dumps(connection.settings, indent=2, ensure_ascii=False))
