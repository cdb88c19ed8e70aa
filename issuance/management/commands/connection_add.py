"""`manage.py connection_add`: create or update one outbound connection, for scripted set-ups.

Idempotent on organisation + kind + name: running it again updates the settings, secret and
mappings it is given and leaves the rest as they are.
"""

import json
from pathlib import Path

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


def _document(path: str) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Cannot read --config {path}: {exc.strerror}.") from None
    except ValueError as exc:
        raise CommandError(f"--config {path} is not JSON: {exc}.") from None
    if isinstance(document, dict) and isinstance(document.get("config"), dict) and "about" in document:
        document = document["config"]  # a preset file (issuance/outbound/rest/presets/)
    if not isinstance(document, dict):
        raise CommandError(f"--config {path} must hold a JSON object, not {type(document).__name__}.")
    return document


class Command(BaseCommand):
    help = "Create or update an outbound connection (badge platform, CRM or webhook) of an organisation."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument("--kind", required=True, help="credly, badgr, accredible, hubspot, salesforce, webhook or rest")
        parser.add_argument("--name", default="", help="tells two connections of one kind apart (default: the kind)")
        parser.add_argument("--secret", default=None, help="the token, password, client secret or whsec_ key")
        parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--config", default=None, metavar="FILE",
                            help="a JSON file of the settings: for rest, the connection file (docs/integrations/rest.md), or a "
                                 "preset file, whose \"config\" is used; it replaces a rest connection's stored document")
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
        settings = _pairs(options["setting"], "--setting")
        if options["config"]:
            document = _document(options["config"])
            if kind == "rest" and settings:
                raise CommandError("A rest connection's settings are its --config file; --setting does not apply.")
            settings = {**document, **settings}
        elif kind == "rest" and settings:
            raise CommandError("A rest connection is configured by --config FILE (docs/integrations/rest.md), not --setting.")
        try:
            connection, created = connection_add(
                organization=organization, kind=kind, name=options["name"], secret=options["secret"],
                settings=settings, mappings=_pairs(options["map"], "--map"),
            )
        except ConnectionSettingsError as exc:
            raise CommandError(str(exc)) from None
        if options["disable"] and connection.enabled:
            connection.enabled = False
            connection.save(update_fields=["enabled"])
        if kind == "rest":
            calls = connection.settings.get("calls", {})
            shown = f"auth {connection.settings['auth']['type']}, calls for {', '.join(calls)}"
        else:
            shown = ", ".join(f"{key}={value}" for key, value in connection.settings.items())
        mapped = connection.mappings.count()
        self.stdout.write(f"{'Created' if created else 'Updated'} {connection} ({'on' if connection.enabled else 'off'}): "
                          f"{shown or 'no settings'}; {mapped} achievement(s) mapped.")

