"""manage.py send_renewal_reminders: what the daily schedule does, for cron, a shell, or a dry run first."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from issuance.lifecycle.expiry import credentials_expire_due
from issuance.lifecycle.runs import UnknownOrganization, renewal_reminders_run


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = ("Email learners whose credentials expire soon (per achievement: 90, 30 and 0 days before by default), "
            "each reminder at most once. Prints one line per offset, then a total (a dry run then lists who).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the counts, then each learner who would be emailed; send nothing.")
        parser.add_argument("--today", type=_day, help="Run as if it were this date (YYYY-MM-DD) in each organisation's time zone.")
        parser.add_argument("--org", default="", metavar="SLUG", help="Only this organisation.")
        parser.add_argument("--yes-send", type=int, metavar="N",
                            help="Confirm a run that emails more than LAUREL_BULK_CONFIRM_OVER learners: N must be the exact count.")

    def handle(self, *args, **options):
        if not options["dry_run"]:
            # The daily job's first half too, so a cron line alone keeps stored statuses right (audited, no email).
            credentials_expire_due(organization_slug=options["org"])
        try:
            run = renewal_reminders_run(today=options["today"], organization_slug=options["org"],
                                        dry_run=options["dry_run"], yes_send=options["yes_send"])
        except UnknownOrganization as exc:
            raise CommandError(str(exc)) from None
        lines = run.lines()
        if options["dry_run"]:
            for line in lines + run.recipients():  # the counts, then who (walk-through m14: counts alone named nobody)
                self.stdout.write("[dry run] " + line)
            return
        for line in lines[:-1] if run.refused else lines:
            self.stdout.write(line)
        if run.refused:  # exits non-zero, having sent nothing
            raise CommandError(run.refused + f" Run again with --yes-send {run.to_email} to send them.")
