"""manage.py import_completions FILE.csv --source SLUG [--dry-run] [--yes-send N]: the admin's CSV import, from a shell."""

from django.core.management.base import BaseCommand, CommandError

from issuance.intake.csv_import import CsvFileError, csv_import, csv_import_would_email
from issuance.lifecycle.bulk import bulk_gate
from issuance.models import Source


class Command(BaseCommand):
    help = "Import completions from a CSV file (columns as in docs/intake.md); bad rows are parked, never dropped."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a UTF-8 CSV file (with or without BOM).")
        parser.add_argument("--source", required=True, help="Slug of the source the rows come from.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count the rows; store nothing.")
        parser.add_argument("--yes-send", type=int, metavar="N",
                            help="Confirm a file that would email more than LAUREL_BULK_CONFIRM_OVER learners: "
                                 "N must be the exact count the dry run prints.")

    def handle(self, *args, **options):
        source = Source.objects.select_related("organization").filter(slug=options["source"]).first()
        if source is None:
            raise CommandError(f"No source with slug {options['source']!r}.")
        try:
            with open(options["file"], "rb") as stream:
                if not options["dry_run"]:
                    self._refuse_above_the_cap(source, stream, options)
                report = csv_import(source=source, stream=stream, file_name=options["file"], dry_run=options["dry_run"])
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from None
        except CsvFileError as exc:
            raise CommandError(str(exc)) from None
        for row, problem in report.problems[:20]:
            self.stdout.write(f"  row {row}: {problem}")
        if report.invalid > 20:
            self.stdout.write(f"  … and {report.invalid - 20} more invalid rows.")
        prefix = "Dry run: " if report.dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
        if report.dry_run:
            self.stdout.write(f"Would email up to {csv_import_would_email(report=report)} learners "
                              "(each new valid row ends in a credential or a 'what you still need' email).")

    def _refuse_above_the_cap(self, source, stream, options):
        """Count first, as the dry run does; above the cap nothing is stored without the exact count."""
        count = csv_import_would_email(report=csv_import(source=source, stream=stream, file_name=options["file"], dry_run=True))
        stream.seek(0)
        gate = bulk_gate(count=count, confirmed=options["yes_send"])
        if not gate.open:
            raise CommandError(gate.refusal + f" Run again with --yes-send {count} to import it.")
