"""manage.py sign_in_rule_add --org SLUG --claim CLAIM --value VALUE --role ROLE [--remove]: an organisation's
sign-in rule for staff who come through the identity provider (docs/sign-in.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from courses.access.sign_in import sign_in_rule_delete, sign_in_rule_save
from courses.models import Organization, Role, SignInRule


class Command(BaseCommand):
    help = ("Give the role ROLE in one organisation to whoever the identity provider says has CLAIM = VALUE (or VALUE "
            "among the claim's values). Run again with another --role to change it; --remove deletes the rule.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--claim", default="groups", help="The claim's name (default: groups).")
        parser.add_argument("--value", required=True)
        parser.add_argument("--role", choices=Role.values, help="Required unless --remove.")
        parser.add_argument("--remove", action="store_true", help="Delete the rule for this claim and value.")

    def handle(self, *args, org, claim, value, role, remove, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {org!r}. Create it with organization_add.")
        rule = SignInRule.objects.filter(organization=organization, claim=claim, value=value).first()
        if remove:
            if rule is None:
                raise CommandError(f"{organization.slug} has no sign-in rule {claim} = {value}.")
            sign_in_rule_delete(rule=rule)
            self.stdout.write(f"Removed: {claim} = {value} in {organization.slug}.")
            return
        if not role:
            raise CommandError("--role is required (one of " + ", ".join(Role.values) + ").")
        rule = rule or SignInRule(organization=organization, claim=claim, value=value)
        rule.role = role
        try:
            sign_in_rule_save(rule=rule)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())) from None
        self.stdout.write(f"{claim} = {value} → {role} in {organization.slug}.")
