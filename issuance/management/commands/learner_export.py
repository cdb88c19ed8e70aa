"""`manage.py learner_export EMAIL --org SLUG --out FILE.zip`: a learner's copy of their data (issuance.privacy)."""

from django.core.management.base import BaseCommand, CommandError

from issuance.privacy.export import learner_export_write
from issuance.privacy.subject import SubjectNotFound, subject_find


class Command(BaseCommand):
    help = "Write a ZIP of every record Laurel holds about one learner of one organisation, with a readable summary."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument("--out", required=True, help="the ZIP file to write")

    def handle(self, *args, **options):
        try:
            subject = subject_find(organization_slug=options["org"], email=options["email"])
        except SubjectNotFound as exc:
            raise CommandError(str(exc)) from None
        try:
            counts = learner_export_write(subject=subject, out=options["out"], actor_label="the organisation's staff")
        except OSError as exc:
            raise CommandError(f"Cannot write {options['out']}: {exc}") from None
        for name, count in counts.items():
            self.stdout.write(f"  {name:<24} {count:>6}")
        self.stdout.write(f"Wrote {options['out']}: {sum(counts.values())} records of {subject.email} in "
                          f"{subject.organization.slug}.")
