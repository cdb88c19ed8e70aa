"""`manage.py learner_erase EMAIL --org SLUG [--dry-run] [--yes]`: erase a learner's personal data (issuance.privacy)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from issuance.privacy.erasure import learner_erase
from issuance.privacy.search import personal_data_search
from issuance.privacy.subject import SubjectNotFound, subject_find


class Command(BaseCommand):
    help = ("Erase one learner's personal data in one organisation: pseudonymise or remove it everywhere, revoke "
            "their credentials, keep an audit record with a hash of the email. --dry-run lists what it would touch.")

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument("--dry-run", action="store_true", help="list every place it would touch, change nothing")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        try:
            subject = subject_find(organization_slug=options["org"], email=options["email"])
        except SubjectNotFound as exc:
            raise CommandError(str(exc)) from None
        plan = learner_erase(subject=subject, dry_run=True)
        self._places(plan)
        if not plan.total:
            said = "was erased before" if plan.already_erased else "is not held"
            self.stdout.write(f"Nothing to erase: {subject.email} {said} in {subject.organization.slug}.")
            return
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {plan.total} rows and files would be touched; nothing was changed.")
            return
        if not options["yes"]:
            answer = input(f"Erase {subject.email} from {subject.organization.slug}? This cannot be undone. "
                           "Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Not erased.")
        report = learner_erase(subject=subject)
        self.stdout.write(f"Erased: audit record #{report.erasure_record_id} keeps sha256:{report.subject_hash}.")
        # After the files are deleted, which happens once the erasure has committed.
        transaction.on_commit(lambda: self._search(subject))

    def _search(self, subject):
        left = personal_data_search(needles=subject.needles, folders=[settings.MEDIA_ROOT, settings.MAIL_DIR])
        # The same address may also be a learner of another organisation: those mentions are theirs to keep.
        self.stdout.write(f"Searched {left.tables} tables ({len(left.columns)} text, JSON and binary columns, "
                          f"{left.rows} rows) and {left.files} files for the email and names: "
                          f"mentions left: {len(left.hits)}.")
        for hit in left.hits[:50]:
            self.stdout.write(f"  still in {hit.where}: …{hit.excerpt}…")

    def _places(self, report):
        for place in report.places:
            if place.count:
                self.stdout.write(f"  {place.name:<44} {place.count:>6}  {place.action}")
