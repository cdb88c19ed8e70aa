"""manage.py reconcile --source SLUG --since YYYY-MM-DD [--until YYYY-MM-DD] [--dry-run]: replay missed completions."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from issuance.intake.polling import PollNotPossible
from issuance.intake.reconcile import source_reconcile, window_from_dates
from issuance.models import Source


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date in the form YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = ("Ask the source's API for every completion in the window and process the ones Laurel does not have, "
            "through the same validation, rules and pipeline; running it again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="Slug of the source.")
        parser.add_argument("--since", required=True, help="First day of the window (YYYY-MM-DD, UTC).")
        parser.add_argument("--until", help="Last day of the window, included (YYYY-MM-DD, UTC); default: now.")
        parser.add_argument("--dry-run", action="store_true", help="Ask and count; store and send nothing.")

    def handle(self, *args, **options):
        source = Source.objects.select_related("organization").filter(slug=options["source"]).first()
        if source is None:
            raise CommandError(f"No source with slug {options['source']!r}.")
        since = _day(options["since"])
        until = _day(options["until"]) if options["until"] else None
        if until and until < since:
            raise CommandError(f"--until {until} is before --since {since}.")
        try:
            report = source_reconcile(source=source, window=window_from_dates(since=since, until=until), dry_run=options["dry_run"])
        except PollNotPossible as exc:
            raise CommandError(str(exc)) from None
        prefix = "Dry run: " if options["dry_run"] else ""
        style = self.style.SUCCESS if report.poll.outcome == "done" else self.style.WARNING
        self.stdout.write(style(f"{prefix}{source.slug} {since}…{until or 'now'}: {report.summary()}"))
        if report.poll.outcome == "failed":
            raise CommandError(report.poll.detail)
