"""manage.py source_add: set up (or update) a completion source from a script, idempotent on the slug."""

from django.core.management.base import BaseCommand, CommandError

from ...sources.configure import source_configure, source_intake_url
from ...sources.registry import DIALECTS
from ...sources.settings_schema import SettingsError


def _pairs(values: list[str], option: str) -> dict:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{option} takes KEY=VALUE, not {value!r}.")
        pairs[key.strip()] = rest
    return pairs


class Command(BaseCommand):
    help = "Create or update a completion source (an LMS connection) and print its intake URL."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--slug", required=True, help="The source's slug; it appears in the intake URL.")
        parser.add_argument("--dialect", required=True, choices=list(DIALECTS))
        parser.add_argument("--name")
        parser.add_argument("--secret", help="Shared token, API key, HMAC secret, LRS password or whsec_… secret, by dialect.")
        parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--map", action="append", default=[], metavar="EXTERNAL_COURSE_ID=COURSE_CODE")

    def handle(self, *args, **options):
        try:
            source, created = source_configure(
                organization_slug=options["org"],
                slug=options["slug"],
                dialect=options["dialect"],
                name=options["name"],
                secret=options["secret"],
                settings=_pairs(options["setting"], "--setting"),
                mappings=_pairs(options["map"], "--map"),
            )
        except SettingsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'Created' if created else 'Updated'} source {source.slug} ({source.dialect}).")
        self.stdout.write(source_intake_url(source))
