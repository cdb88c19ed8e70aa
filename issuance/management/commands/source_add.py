"""manage.py source_add: set up (or update) a completion source from a script, idempotent on the slug."""

import json

from django.core.management.base import BaseCommand, CommandError

from ...models import Source
from ...models import SourceCourseMapping
from ...sources.configure import source_configure, source_intake_url
from ...sources.kajabi_hooks import KajabiHooksError, kajabi_hooks_register
from ...sources.mapped.presets import preset_mapping, preset_names
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
        parser.add_argument(
            "--secret",
            help="Shared token, API key, HMAC secret, LRS password or whsec_… secret, by dialect. Left out on a new "
            "source whose LMS takes a secret from Laurel, one is generated and printed once.",
        )
        parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--map", action="append", default=[], metavar="EXTERNAL_COURSE_ID=COURSE_CODE")
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--mapping", metavar="FILE", help="The mapped dialect's mapping, a JSON file (docs/lms/mapped.md).")
        how.add_argument("--preset", choices=preset_names(), help="A mapping shipped with Laurel; --setting KEY=VALUE gives its settings.")
        parser.add_argument("--no-hooks", action="store_true",
                            help="Kajabi: do not register the tag_added hooks through Kajabi's API (they are registered by default).")

    def _settings(self, options) -> dict:
        settings = _pairs(options["setting"], "--setting")
        if (options["mapping"] or options["preset"]) and options["dialect"] != "mapped":
            raise CommandError("--mapping and --preset are for --dialect mapped.")
        if options["preset"]:
            # The dialect's own settings (confirmation_api_key, a secret) ride beside the preset's.
            own = {name: settings.pop(name) for name in [s.name for s in DIALECTS["mapped"].settings if s.name != "mapping"] if name in settings}
            return {"mapping": preset_mapping(options["preset"], settings), **own}
        if options["mapping"]:
            if settings:
                raise CommandError("With --mapping, the file holds everything; --setting is for a --preset's settings.")
            try:
                with open(options["mapping"], encoding="utf-8") as file:
                    return {"mapping": json.load(file)}
            except OSError as exc:
                raise CommandError(f"Cannot read the mapping file: {exc.strerror}.") from None
            except ValueError as exc:
                raise CommandError(f"The mapping file is not valid JSON: {exc}.") from None
        return settings

    def _secret_generated(self, options, settings: dict) -> str | None:
        """A secret for a new source left without one, where Laurel may make it up (as the admin does)."""
        if options["secret"] is not None or Source.objects.filter(slug=options["slug"]).exists():
            return None
        dialect = DIALECTS[options["dialect"]].configured(settings)
        if not (dialect.secret_generated_here and dialect.secret_needed(settings=settings)):
            return None
        return dialect.secret_generate()

    def handle(self, *args, **options):
        try:
            settings = self._settings(options)
            generated = self._secret_generated(options, settings)
            if generated is not None:
                options["secret"] = generated
            source, created = source_configure(
                organization_slug=options["org"],
                slug=options["slug"],
                dialect=options["dialect"],
                name=options["name"],
                secret=options["secret"],
                settings=settings,
                mappings=_pairs(options["map"], "--map"),
            )
        except SettingsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'Created' if created else 'Updated'} source {source.slug} ({source.dialect}).")
        self.stdout.write(source_intake_url(source))
        if generated is not None:
            self.stdout.write(f"Signing secret (shown once; paste it into the LMS): {generated}")
        if source.dialect == "kajabi" and not options["no_hooks"]:
            self._kajabi_hooks(source)

    def _kajabi_hooks(self, source):
        """One tag_added hook per mapped tag, through Kajabi's API; the source stays saved whatever Kajabi answers."""
        if not SourceCourseMapping.objects.filter(source=source).exists():
            self.stdout.write("No Kajabi hook registered: map a tag id to a course (--map TAG_ID=COURSE_CODE) and run again.")
            return
        try:
            changes = kajabi_hooks_register(source=source)
        except KajabiHooksError as exc:
            raise CommandError(f"The source is saved, but no Kajabi hook was registered: {exc}") from None
        for change in changes:
            self.stdout.write(f"Kajabi hook for tag {change.tag}: {change.action}, {change.detail}")
        if any(change.action == "failed" for change in changes):
            raise CommandError("The source is saved, but some Kajabi hooks could not be registered (above); run source_add again.")
