"""manage.py programme_add: a programme (a pathway over other courses) with its own achievement and course."""

from django.core.management.base import BaseCommand, CommandError

from courses.models import Course, Organization, Programme
from courses.programmes import ProgrammeError, programme_create


def _requires(value: str) -> int | None:
    if value.strip().lower() == "all":
        return None
    try:
        count = int(value)
    except ValueError:
        raise CommandError(f"--requires takes 'all' or a number, not {value!r}.") from None
    if count < 1:
        raise CommandError(f"--requires takes 'all' or a number of at least 1, not {count}.")
    return count


class Command(BaseCommand):
    help = ("Create a programme: its credential is issued by itself to a learner who holds the credentials of the "
            "courses it requires. Its achievement, certificate template and email start from the organisation's "
            "defaults, as a new course's do; change them in the admin.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--code", required=True, help="The programme's code, unique among the organisation's courses.")
        parser.add_argument("--name", required=True, help="Its name, also its achievement's.")
        parser.add_argument("--requires", required=True, help="'all' of the courses, or N: at least N of them.")
        parser.add_argument("--courses", required=True, help="The constituent courses' codes, separated by commas.")
        parser.add_argument("--within-days", type=int, help="All counted courses completed within this many days of each other.")
        parser.add_argument("--on-constituent-revoked", choices=[c.value for c in Programme.OnConstituentRevoked],
                            default=Programme.OnConstituentRevoked.KEEP,
                            help="What happens to the programme credential when a constituent is revoked or expires.")

    def handle(self, *args, org, code, name, requires, courses, within_days, on_constituent_revoked, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {org!r}.")
        codes = list(dict.fromkeys(c.strip() for c in courses.split(",") if c.strip()))
        if not codes:
            raise CommandError("--courses needs at least one course code.")
        found = {c.code: c for c in Course.objects.filter(organization=organization, code__in=codes).select_related("achievement")}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise CommandError(f"{organization.slug} has no course with the code {', '.join(unknown)}.")
        if within_days is not None and within_days < 1:
            raise CommandError(f"--within-days takes a number of days of at least 1, not {within_days}.")
        try:
            programme = programme_create(
                organization=organization, code=code, name=name, constituents=[found[c].achievement for c in codes],
                required_count=_requires(requires), within_days=within_days, on_constituent_revoked=on_constituent_revoked,
            )
        except ProgrammeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Created programme {programme.code} “{programme.name}” in {organization.slug}: requires "
            f"{programme.requirement_label} of {', '.join(codes)}; when a constituent is revoked or expires: "
            f"{programme.on_constituent_revoked}."))
