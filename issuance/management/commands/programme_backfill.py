"""manage.py programme_backfill --org SLUG --code CODE [--dry-run] [--notify none|learners] [--yes-send N]:
award a programme to the learners who already satisfy it, as the programme's admin page does."""

from django.core.management.base import BaseCommand, CommandError

from courses.models import Programme
from issuance.programme_backfill import LISTED, BackfillRefused, programme_backfill_issue, programme_backfill_plan


class Command(BaseCommand):
    help = ("Award a programme to every learner who already satisfies it but holds no award (the programme was made "
            "or changed after they earned its constituents). Run with --dry-run first: it counts and lists them.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--code", required=True, help="The programme's code.")
        parser.add_argument("--dry-run", action="store_true", help="Count and list the learners; issue nothing.")
        parser.add_argument("--notify", choices=["none", "learners"], default="none",
                            help="'learners': email each their credential. 'none' (the default): issue without emailing.")
        parser.add_argument("--yes-send", type=int, metavar="N",
                            help="With --notify learners, above LAUREL_BULK_CONFIRM_OVER learners: N must be the exact "
                                 "count the dry run prints.")

    def handle(self, *args, org, code, dry_run, notify, yes_send, **options):
        programme = Programme.objects.select_related("organization", "course").filter(
            organization__slug=org, code=code).first()
        if programme is None:
            raise CommandError(f"No programme with the code {code!r} in an organisation with the slug {org!r}.")
        if not programme.course.is_active:
            raise CommandError(f"Programme {code}'s course is inactive: activate it before awarding the programme.")
        if dry_run:
            plan = programme_backfill_plan(programme=programme)
            self.stdout.write(f"Dry run: {plan.count} learner(s) satisfy programme {code} and hold no award for it.")
            for learner in plan.learners[:LISTED]:
                self.stdout.write(f"  {learner.email}")
            if plan.count > LISTED:
                self.stdout.write(f"  … and {plan.count - LISTED} more.")
            return
        try:
            report = programme_backfill_issue(programme=programme, notify_learners=notify == "learners", confirmed=yes_send)
        except BackfillRefused as exc:
            raise CommandError(f"{exc} Run again with --yes-send {exc.count} to issue them.") from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
