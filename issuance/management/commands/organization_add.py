"""manage.py organization_add --slug SLUG --name NAME --sender EMAIL [--website URL]: an organisation ready to issue."""

from django.core.management.base import BaseCommand, CommandError

from courses.access.membership import MembershipError, organization_add

from ...openbadges.issuer import organization_signer
from ...openbadges.status_lists import status_lists_open


class Command(BaseCommand):
    help = ("Create or update an organisation with what a new one needs: its certificate and email templates, a "
            "signing key and its status lists. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="Used in public URLs; do not change it once issuing.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--sender", required=True, help="The From address of its emails (a domain set up for sending).")
        parser.add_argument("--website", help="Its website, https://…")

    def handle(self, *args, slug, name, sender, website, **options):
        try:
            organization, created = organization_add(slug=slug, name=name, sender=sender, website=website)
        except MembershipError as exc:
            raise CommandError(str(exc)) from None
        lists = status_lists_open(organization=organization, issuer_id=organization_signer(organization=organization).issuer_id)
        self.stdout.write(self.style.SUCCESS(
            f"{'Created' if created else 'Updated'} {organization.name} ({organization.slug}): "
            f"{organization.certificate_templates.count()} certificate and {organization.email_templates.count()} email "
            f"templates, signing key {organization.signing_keys.filter(retired_at__isnull=True).first().key_id}, "
            f"status lists {', '.join(f'{purpose} #{status_list.number}' for purpose, status_list in lists.items())}."))
