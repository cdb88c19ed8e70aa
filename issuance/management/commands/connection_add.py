"""`manage.py connection_add`: create or update one outbound connection, for scripted set-ups.

Idempotent on organisation + kind + name: running it again updates the settings, secret and
mappings it is given and leaves the rest as they are.
"""

from django.core.management.base import BaseCommand, CommandError

from courses.models import Organization
from issuance.outbound.connections import ConnectionSettingsError, connection_add, connection_kinds


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{flag} takes KEY=VALUE; got {value!r}.")
        pairs[key.strip()] = rest.strip()
    return pairs


class Command(BaseCommand):
    help = "Create or update an outbound connection (badge platform, CRM or webhook) of an organisation."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument("--kind", required=True, help="credly, badgr, accredible, hubspot, salesforce or webhook")
        parser.add_argument("--name", default="", help="tells two connections of one kind apart (default: the kind)")
        parser.add_argument("--secret", default=None, help="the token, password, client secret or whsec_ key")
        parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--map", action="append", default=[], metavar="COURSE_CODE=REMOTE_ID",
                            help="the platform's template / badge class / group for the achievement a course awards")
        parser.add_argument("--disable", action="store_true", help="store it switched off")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            slugs = ", ".join(Organization.objects.values_list("slug", flat=True)[:50])
            raise CommandError(f"No organisation {options['org']!r}; the organisations are: {slugs or 'none'}.")
        kind = options["kind"]
        if kind not in connection_kinds():
            raise CommandError(f"Unknown kind {kind!r}; the kinds are: {', '.join(connection_kinds())}.")
        try:
            connection, created = connection_add(
                organization=organization, kind=kind, name=options["name"], secret=options["secret"],
                settings=_pairs(options["setting"], "--setting"), mappings=_pairs(options["map"], "--map"),
            )
        except ConnectionSettingsError as exc:
            raise CommandError(str(exc)) from None
        if options["disable"] and connection.enabled:
            connection.enabled = False
            connection.save(update_fields=["enabled"])
        shown = ", ".join(f"{key}={value}" for key, value in connection.settings.items())
        mapped = connection.mappings.count()
        self.stdout.write(f"{'Created' if created else 'Updated'} {connection} ({'on' if connection.enabled else 'off'}): "
                          f"{shown or 'no settings'}; {mapped} achievement(s) mapped.")

