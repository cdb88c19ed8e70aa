"""manage.py poll --source SLUG [--dry-run]: poll one source now, as its schedule would, and say what it found."""

from django.core.management.base import BaseCommand, CommandError

from issuance.intake.polling import PollNotPossible, source_poll
from issuance.models import Source


class Command(BaseCommand):
    help = "Poll one source's API now (TalentLMS, Moodle, Canvas, an xAPI LRS) and print what it found."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="Slug of the source to poll.")
        parser.add_argument("--dry-run", action="store_true", help="Ask and count; store nothing, move no cursor.")

    def handle(self, *args, **options):
        source = Source.objects.select_related("organization").filter(slug=options["source"]).first()
        if source is None:
            raise CommandError(f"No source with slug {options['source']!r}.")
        try:
            report = source_poll(source=source, dry_run=options["dry_run"])
        except PollNotPossible as exc:
            raise CommandError(str(exc)) from None
        for scope in report.scopes:
            if report.outcome == "failed" and scope is report.scopes[-1]:
                self.stdout.write(f"  {scope.scope}: stopped by the failure below ({scope.new} new stored before it)")
            else:
                self.stdout.write(f"  {scope.scope}: found {scope.found} · already known {scope.known} · new {scope.new}")
        prefix = "Dry run: " if options["dry_run"] else ""
        style = self.style.SUCCESS if report.outcome in ("done", "stopped") else self.style.ERROR
        self.stdout.write(style(f"{prefix}{source.slug}: {report.summary()}"))
        if report.outcome == "failed":  # never exit 0 on a refused call: cron and monitoring must see it
            raise CommandError(report.detail)
