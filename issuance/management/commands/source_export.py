"""manage.py source_export: a mapped source's mapping as a JSON file, the shape source_add --mapping reads; never a secret."""

import json

from django.core.management.base import BaseCommand, CommandError

from ...models import Source
from ...sources.mapped.mapping import MappingError, mapping_clean


class Command(BaseCommand):
    help = "Write a mapped source's mapping as JSON (secrets are never part of a mapping), to share or to source_add elsewhere."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="The source's slug.")
        parser.add_argument("--output", metavar="FILE", help="Write to FILE instead of the standard output.")

    def handle(self, *args, **options):
        source = Source.objects.filter(slug=options["source"]).first()
        if source is None:
            raise CommandError(f"No source with the slug {options['source']!r}.")
        if source.dialect != "mapped":
            raise CommandError(f"Source {source.slug!r} is of the {source.dialect} dialect; only mapped sources have a mapping.")
        try:
            mapping = mapping_clean((source.settings or {}).get("mapping"))
        except MappingError as exc:
            raise CommandError("The saved mapping is not valid: " + "; ".join(exc.errors)) from None
        text = json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as file:
                file.write(text)
            self.stdout.write(f"Wrote the mapping of {source.slug} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
