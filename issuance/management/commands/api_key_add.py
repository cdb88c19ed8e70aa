"""manage.py api_key_add --org SLUG --name NAME [--role ROLE]: an organisation's API key for one integration."""

from django.core.management.base import BaseCommand, CommandError

from courses.access.api_keys import ApiKeyError, api_key_create
from courses.models import Organization, Role
from courses.models.api_keys import KEY_ROLES


class Command(BaseCommand):
    help = ("Make an API key for one organisation's integration, acting with ROLE (default viewer: read only) in "
            "that organisation only. The key is printed on the last line, once: Laurel keeps only its hash.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--name", required=True, help="What calls with it, e.g. \"Moodle sync\".")
        parser.add_argument("--role", default=Role.VIEWER, choices=[role.value for role in KEY_ROLES])

    def handle(self, *args, org, name, role, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            known = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none yet"
            raise CommandError(f"No organisation with the slug {org!r} (known: {known}). Create it with organization_add.")
        try:
            api_key, secret = api_key_create(organization=organization, name=name, role=role)
        except ApiKeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{api_key.name}: {role} key of {organization.slug} ({api_key.prefix}…).")
        self.stdout.write(secret)
