"""Loads the demo organisation. Idempotent: a second run changes nothing."""

import base64
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.defaults import organization_install_default_templates
from courses.access.membership import organization_add, staff_add
from courses.access.user_tokens import user_token_create, user_token_find
from courses.models import (Achievement, AchievementText, CertificateSignatory, Course, EmailTemplate, EmailTemplateVariant,
                            Organization, Programme, RuleSet, RuleSetVersion)
from courses.programmes import programme_create
from courses.services import ruleset_version_publish

from ...sources.signatures import secret_key
from ...models import Source
from ...sources.demo import demo_lms_sources_seed

DEMO_SIGNATORIES = [("Dr. Helen Okafor", "Director of Training"), ("James Whitfield", "Lead Instructor")]

DEMO_ACHIEVEMENTS = {
    "FA-101": {
        "name": "First Aid at Work",
        "description": "Recognises the skills to give first aid in the workplace.",
        "criteria_narrative": "Completed the First Aid at Work course and passed its assessment with at least 80%.",
        "tags": "first aid, CPR, workplace safety",
    },
    "FA-201": {
        "name": "Advanced First Aid",
        "description": "Recognises advanced first aid skills for designated first aiders.",
        "criteria_narrative": "Held First Aid at Work and attended at least 90% of Advanced First Aid.",
        "tags": "first aid, trauma care, emergency response",
    },
    "WS-100": {
        "name": "Workplace Safety Induction",
        "description": "Recognises completion of the workplace safety induction.",
        "criteria_narrative": "Completed the Workplace Safety Induction.",
        "tags": "health and safety, induction",
        "validity_amount": 12,
        "validity_unit": Achievement.ValidityUnit.MONTHS,
    },
}


# Staff's own words in French (docs/learners.md, "Staff text per language"): a French learner of FA-101 or WS-100
# reads this name on their badge, certificate, emails and credential page, and gets this version of the credential
# email (the demo's Moodle learner, Élodie Martin, takes WS-100 in French).
DEMO_FRENCH_ACHIEVEMENTS = {
    "FA-101": {"name": "Secourisme au travail",
               "description": "Reconnaît les compétences pour porter secours sur le lieu de travail."},
    "WS-100": {"name": "Accueil sécurité au travail",
               "description": "Atteste que l’accueil sécurité du site a été suivi : règles, risques et gestes à connaître."},
}
DEMO_FRENCH_CREDENTIAL_EMAIL = {
    "subject": "{{ learner_name }}, votre certificat « {{ achievement_name }} » est prêt",
    "text_body": (
        "Bonjour {{ learner_name }},\n\n"
        "Vous avez suivi {{ course_title }} avec {{ organization_name }} : félicitations ! Votre certificat "
        "{{ achievement_name }} est joint à cet e-mail.\n\n"
        "Délivré le {{ issue_date }}{% if expiry_date %}, valable jusqu’au {{ expiry_date }}{% endif %}.\n\n"
        "Votre certificat en ligne (toute personne à qui vous le montrez peut vérifier qu’il est authentique) :\n"
        "{{ credential_url }}\n"
        "{% if linkedin_url %}\nAjoutez-le à votre profil LinkedIn :\n{{ linkedin_url }}\n{% endif %}"
        "{% if wallet_url %}\nAjoutez-le à votre portefeuille numérique :\n{{ wallet_url }}\n{% endif %}"
        "\nL’équipe de {{ organization_name }}\n"
    ),
    "html_body": (
        '<h1 style="margin:0 0 20px 0;font-family:Georgia,serif;font-size:26px;color:{{ primary_color }};font-weight:normal;">'
        "Félicitations, {{ learner_name }} !</h1>\n"
        "<p>Vous avez suivi <strong>{{ course_title }}</strong> avec {{ organization_name }}. Votre certificat "
        "<strong>{{ achievement_name }}</strong> est joint à cet e-mail.</p>\n"
        "<p>Délivré le {{ issue_date }}{% if expiry_date %}, valable jusqu’au {{ expiry_date }}{% endif %}.</p>\n"
        '<p><a href="{{ credential_url }}" style="color:{{ primary_color }};">Voir votre certificat en ligne</a>'
        '{% if linkedin_url %} · <a href="{{ linkedin_url }}" style="color:#0A66C2;">L’ajouter à LinkedIn</a>{% endif %}'
        '{% if wallet_url %} · <a href="{{ wallet_url }}" style="color:{{ primary_color }};">L’ajouter à votre portefeuille</a>'
        "{% endif %}</p>\n"
        "<p>L’équipe de {{ organization_name }}</p>\n"
    ),
}


DEMO_PROGRAMME = {"code": "SWP", "name": "Safe Workplace Practitioner"}


SECOND_ORG = {
    "slug": "northwind", "name": "Northwind Training", "sender": "certificates@northwind.example",
    "website": "https://northwind.example",
    "staff": [("owner@northwind.example", "owner"), ("operator@northwind.example", "operator")],
}


class Command(BaseCommand):
    help = "Create the Demo Academy organisation, its courses and an admin user (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-password", help="Set this password (default: generate one for a new user).")
        parser.add_argument(
            "--webhook-secret", help="whsec_… secret for the 'demo' source (default: keep it, or generate one)."
        )
        parser.add_argument("--api-token", help="A known DRF API token for the admin user, for scripts.")

    @transaction.atomic
    def handle(self, *args, **options):
        org, _ = Organization.objects.get_or_create(
            slug="demo-academy",
            defaults={
                "name": "Demo Academy",
                "website": "https://demo-academy.example",
                "sender_name": "Demo Academy",
                "sender_email": "certificates@demo-academy.example",
                "reply_to": "help@demo-academy.example",
                "notification_email": "staff@demo-academy.example",
                "timezone": "Europe/London",
                "locale": "en-GB",
            },
        )
        organization_install_default_templates(organization=org)
        for template in org.certificate_templates.all():
            for order, (name, title) in enumerate(DEMO_SIGNATORIES, start=1):
                CertificateSignatory.objects.get_or_create(template=template, order=order, defaults={"name": name, "title": title})

        achievements = {}
        for code, fields in DEMO_ACHIEVEMENTS.items():
            achievements[code], _ = Achievement.objects.get_or_create(
                organization=org, name=fields["name"], defaults=fields
            )

        fa101_rules = self._ruleset(org, "FA-101 pass mark", min_score=Decimal(80))
        fa201_rules = self._ruleset(
            org, "FA-201 entry and attendance", min_attendance=Decimal(90), prerequisites=[achievements["FA-101"]]
        )
        courses = {
            "FA-101": ("First Aid at Work", fa101_rules),
            "FA-201": ("Advanced First Aid", fa201_rules),
            "WS-100": ("Workplace Safety Induction", None),
        }
        created = {}
        for code, (title, ruleset) in courses.items():
            created[code], _ = Course.objects.get_or_create(
                organization=org,
                code=code,
                defaults={"title": title, "achievement": achievements[code], "ruleset": ruleset,
                          "url": f"https://demo-academy.example/courses/{code.lower()}"},
            )
        if created["FA-101"].next_course_id is None:
            created["FA-101"].next_course = created["FA-201"]
            created["FA-101"].save(update_fields=["next_course"])
        if not created["FA-101"].copies_own:  # FA-101 copies the manager a completion names (docs/learners.md)
            created["FA-101"].copies_own, created["FA-101"].copy_manager = True, True
            created["FA-101"].save(update_fields=["copies_own", "copy_manager"])

        self._french(org, achievements)

        if not Programme.objects.filter(organization=org, code=DEMO_PROGRAMME["code"]).exists():
            # A pathway over the three courses: the learner who completes the third gets its credential by themselves.
            programme_create(organization=org, code=DEMO_PROGRAMME["code"], name=DEMO_PROGRAMME["name"],
                             constituents=[achievements[code] for code in ("FA-101", "FA-201", "WS-100")])

        admin_user = self._admin(options["admin_username"], options["admin_password"])
        self._demo_source(org, options["webhook_secret"])
        # One source per LMS dialect, so staff can see how each is configured.
        self.stdout.write("\n".join(demo_lms_sources_seed(organization=org)))
        if options["api_token"]:
            self._api_token(admin_user, options["api_token"])
        self.stdout.write(self.style.SUCCESS(f"Demo organisation ready: {org.name} ({org.slug}), courses {', '.join(courses)}, programme {DEMO_PROGRAMME['code']} over all three."))
        self._second_organization(options["admin_password"])

    def _french(self, org, achievements):
        """FA-101's and WS-100's names and descriptions in French, and a French version of the credential email."""
        for code, text in DEMO_FRENCH_ACHIEVEMENTS.items():
            AchievementText.objects.get_or_create(achievement=achievements[code], language="fr", defaults=text)
        template = org.email_templates.filter(kind=EmailTemplate.Kind.CREDENTIAL).order_by("pk").first()
        if not template.variants.filter(language="fr").exists():
            variant = EmailTemplateVariant(template=template, language="fr", **DEMO_FRENCH_CREDENTIAL_EMAIL)
            variant.full_clean()  # the sandbox's checks, as the editor makes them
            variant.save()

    def _second_organization(self, password):
        """A second organisation with its own staff, who see only its data (docs/organisations.md)."""
        other, _ = organization_add(slug=SECOND_ORG["slug"], name=SECOND_ORG["name"], sender=SECOND_ORG["sender"],
                                    website=SECOND_ORG["website"])
        achievement, _ = Achievement.objects.get_or_create(organization=other, name="Forklift Operator", defaults={
            "description": "Recognises safe operation of a counterbalance forklift.",
            "criteria_narrative": "Completed the Forklift Operator course and its practical assessment.",
            "tags": "forklift, warehouse safety"})
        Course.objects.get_or_create(organization=other, code="FL-100", defaults={
            "title": "Forklift Operator", "achievement": achievement, "url": "https://northwind.example/courses/fl-100"})
        for email, role in SECOND_ORG["staff"]:
            staff_add(email=email, organization=other, role=role, password=password)
        logins = ", ".join(f"{email} ({role})" for email, role in SECOND_ORG["staff"])
        how = ("with the admin's password" if password else
               "no password yet: set one with manage.py staff_add EMAIL --org northwind --role ROLE --password …")
        self.stdout.write(f"Second organisation: {other.name} ({other.slug}); its staff see only its data: {logins}, {how}.")

    def _ruleset(self, org, name, *, min_score=None, min_attendance=None, prerequisites=()):
        ruleset, made = RuleSet.objects.get_or_create(organization=org, name=name)
        if made or not ruleset.versions.exists():
            version = RuleSetVersion.objects.create(
                ruleset=ruleset, min_score=min_score, min_attendance=min_attendance, notes="Demo rules."
            )
            version.prerequisites.set(prerequisites)
            ruleset_version_publish(version=version)
        return ruleset

    def _demo_source(self, org, secret):
        if secret:
            try:
                secret_key(secret)
            except ValueError as exc:
                raise CommandError(f"--webhook-secret: {exc}") from None
            if not secret.startswith("whsec_"):
                raise CommandError("--webhook-secret must start with whsec_.")
        source, made = Source.objects.get_or_create(
            slug="demo",
            defaults={
                "organization": org,
                "name": "Demo LMS (generic JSON)",
                "signing_secret": secret or "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
            },
        )
        if secret and source.signing_secret != secret:
            source.signing_secret = secret
            source.save(update_fields=["signing_secret"])
        if made or secret:
            self.stdout.write(f"Webhook source 'demo': POST /api/v1/sources/demo/events signed with {source.signing_secret}")

    def _api_token(self, user, key):
        token = user_token_find(secret=key)
        if token is None or token.user_id != user.pk:
            user_token_create(user=user, secret=key)  # kept as its hash, like every user's token
            self.stdout.write(f"API token for {user.get_username()} set.")

    def _admin(self, username, password):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, email="admin@demo-academy.example", password=password)
            self.stdout.write(f"Admin user created: {username} / {password}")
        elif password and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Admin password updated: {username} / {password}")
        else:
            self.stdout.write(f"Admin user {username} exists; password unchanged.")
        return user
