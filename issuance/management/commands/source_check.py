"""manage.py source_check --source SLUG: call each API function Laurel needs from this source, as Laurel calls it.

Prints one line per function, OK or what to fix (for Moodle, the capability the web-services user
lacks), and exits non-zero on any failure, so a set-up can be checked before the first completion.
"""

from django.core.management.base import BaseCommand, CommandError

from issuance.models import Source
from issuance.sources.registry import dialect_get


class Command(BaseCommand):
    help = "Check a source's connection: call each API function Laurel needs and list OK or the missing capability."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="Slug of the source to check.")

    def handle(self, *args, **options):
        source = Source.objects.select_related("organization").filter(slug=options["source"]).first()
        if source is None:
            raise CommandError(f"No source with slug {options['source']!r}.")
        checks = dialect_get(source.dialect).connection_check(source=source)
        if checks is None:
            raise CommandError(f"The {source.dialect} dialect calls no API of the sender, so there is nothing to check.")
        for check in checks:
            style = self.style.SUCCESS if check.ok else self.style.ERROR
            self.stdout.write(style(f"  {check.function}: {check.detail}"))
        failed = [check.function for check in checks if not check.ok]
        if failed:
            raise CommandError(f"{source.slug}: {len(failed)} of {len(checks)} functions failed: {', '.join(failed)}.")
        self.stdout.write(self.style.SUCCESS(f"{source.slug}: all {len(checks)} functions answered."))
