"""manage.py import_credentials FILE --from credly|accredible|badgr|ob2 --org SLUG [--dry-run] [--notify none|learners]
[--yes-send N] [--map SOURCE_BADGE=COURSE_CODE ...]: bring credentials issued on another platform over to Laurel."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.models import Organization
from issuance.imports import READERS
from issuance.imports.plan import MappingError, import_plan
from issuance.imports.rows import FileUnreadable
from issuance.imports.run import ImportRefused, credentials_import


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        badge, sep, code = pair.rpartition("=")
        if not sep or not badge.strip() or not code.strip():
            raise CommandError(f"--map {pair!r}: write SOURCE_BADGE=COURSE_CODE (the badge's id or name in the file).")
        mapping[badge.strip()] = code.strip()
    return mapping


class Command(BaseCommand):
    help = ("Re-issue credentials from a Credly, Accredible or Badgr export, or a list of Open Badges 2.0 assertion "
            "URLs, as Laurel credentials dated as originally issued (docs/import.md). Run with --dry-run first.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export: CSV (credly, accredible), JSON (accredible, badgr) or a URL list (ob2).")
        parser.add_argument("--from", dest="source", required=True, choices=sorted(READERS))
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Print every row's outcome and the counts; import nothing.")
        parser.add_argument("--notify", choices=["none", "learners"], default="none",
                            help="'learners': email each their re-issued credential. 'none' (the default): no email.")
        parser.add_argument("--yes-send", type=int, metavar="N",
                            help="With --notify learners, above LAUREL_BULK_CONFIRM_OVER learners: N must be the exact "
                                 "count the dry run prints.")
        parser.add_argument("--map", action="append", default=[], metavar="SOURCE_BADGE=COURSE_CODE",
                            help="Map a badge (its id or name in the file) to a course; repeatable. Unmapped badges "
                                 "go to the course whose title or achievement name is exactly the badge's name.")

    def handle(self, *args, file, source, org, dry_run, notify, yes_send, map, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {org!r}.")
        try:
            body = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        mapping, name, fetched = _mapping(map), Path(file).name, {}  # a URL list's answers, asked once a run
        try:
            plan = import_plan(organization=organization, source=source, body=body, file_name=name, mapping=mapping,
                               fetched=fetched)
            if dry_run:
                self._print(plan, notify == "learners")
                return
            report = credentials_import(plan=plan, body=body, notify_learners=notify == "learners",
                                        confirmed=yes_send, mapping=mapping, fetched=fetched)
        except (FileUnreadable, MappingError) as exc:
            raise CommandError(str(exc)) from None
        except ImportRefused as exc:
            raise CommandError(f"{exc} Run again with --yes-send {exc.count} to import it.") from None
        for outcome in report.plan.rows:
            if outcome.outcome != "import" or outcome.reason:  # not imported, or imported beside or renewing a live one
                self.stdout.write(outcome.line())
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _print(self, plan, notify_learners: bool) -> None:
        self.stdout.write(f"Dry run of {plan.file_name} ({READERS[plan.source].LABEL}) into {plan.organization.name}:")
        for outcome in plan.rows:
            self.stdout.write("  " + outcome.line())
        emails = plan.would_email(notify_learners=notify_learners)
        self.stdout.write(plan.summary() + (f" Would email {emails} learner(s)." if emails else " Would email no learner."))
