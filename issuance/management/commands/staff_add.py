"""manage.py staff_add EMAIL --org SLUG --role ROLE [--password PASSWORD] [--token]: a staff member of one organisation."""

from django.core.management.base import BaseCommand, CommandError

from courses.access.membership import MembershipError, staff_add
from courses.access.user_tokens import user_token_create
from courses.models import Organization, Role


class Command(BaseCommand):
    help = ("Create or update the staff user whose username is EMAIL and their role in one organisation (a user may "
            "belong to several). With --token a new API token is made (replacing the user's last one) and printed on the "
            "last line, the only time it is shown: Laurel keeps only its hash. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="Set this password (default: a new user can only sign in after a reset).")
        parser.add_argument("--token", action="store_true", help="Make the user a new API token (the old one stops working) and print it last.")

    def handle(self, *args, email, org, role, password, token, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            known = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none yet"
            raise CommandError(f"No organisation with the slug {org!r} (known: {known}). Create it with organization_add.")
        try:
            added = staff_add(email=email, organization=organization, role=role, password=password)
        except MembershipError as exc:
            raise CommandError(str(exc)) from None
        was = "new user" if added.user_created else (f"was {added.role_was}" if added.role_was else "new member")
        self.stdout.write(f"{added.user.get_username()}: {role} of {organization.slug} ({was}).")
        if token:
            _, secret = user_token_create(user=added.user)
            self.stdout.write(secret)
