"""Setting a source up from a script, the API or the admin: one service, the same checks everywhere."""

from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse

from courses.models import Course, Organization

from ..models import Source, SourceCourseMapping, SourcePoll
from .registry import DIALECTS
from .settings_schema import SettingsError, source_settings_validate


def source_intake_url(source: Source) -> str:
    """The full address the LMS posts to, for staff to paste into it."""
    dialect = DIALECTS[source.dialect]
    name = "api-v1:source-xapi-statements" if dialect.path == "xapi/statements" else "api-v1:source-events"
    return django_settings.LAUREL_BASE_URL + reverse(name, kwargs={"slug": source.slug})


def source_secret_check(*, dialect_name: str, secret: str, settings: dict | None = None) -> None:
    dialect = DIALECTS[dialect_name].configured(settings or {})
    if not secret:
        if dialect.secret_needed(settings=settings or {}):
            raise SettingsError(f"The {dialect_name} dialect needs a secret: {dialect.secret_help}.")
        return
    problem = dialect.secret_problem(secret)
    if problem:
        raise SettingsError(f"The secret is not valid for the {dialect_name} dialect: {problem}")


@transaction.atomic
def source_configure(
    *,
    organization_slug: str,
    slug: str,
    dialect: str,
    name: str | None = None,
    secret: str | None = None,
    settings: dict | None = None,
    mappings: dict | None = None,
) -> tuple[Source, bool]:
    """Create or update the source with this slug. Returns (source, created). SettingsError on bad input.

    Running it again with the same arguments changes nothing; a secret or setting left out keeps
    what was saved.
    """
    if dialect not in DIALECTS:
        raise SettingsError(f"Unknown dialect {dialect!r}; valid dialects: {', '.join(DIALECTS)}.")
    organization = Organization.objects.filter(slug=organization_slug).first()
    if organization is None:
        raise SettingsError(f"No organisation with the slug {organization_slug!r}.")
    source = Source.objects.select_for_update(no_key=True).filter(slug=slug).first()
    if source is not None and source.organization_id != organization.pk:
        raise SettingsError(f"The source {slug!r} belongs to another organisation.")
    created = source is None
    if created:
        source = Source(organization=organization, slug=slug, name=name or slug)
    elif source.dialect != dialect:
        source.settings, source.secret_settings = {}, {}
    values = {**(source.settings if not created and source.dialect == dialect else {}), **(settings or {})}
    public, secret_settings = source_settings_validate(dialect=DIALECTS[dialect], values=values, keep=source.secret_settings)
    new_secret = secret if secret is not None else source.signing_secret
    source_secret_check(dialect_name=dialect, secret=new_secret or "", settings={**public, **secret_settings})
    courses = {}
    for external_id, code in (mappings or {}).items():
        course = Course.objects.filter(organization=organization, code__iexact=code).first()
        if course is None:
            raise SettingsError(f"No course of {organization.name} has the code {code!r} (mapping {external_id}={code}).")
        courses[external_id] = course
    source.dialect, source.settings, source.secret_settings = dialect, public, secret_settings
    source.signing_secret = new_secret or ""
    if name:
        source.name = name
    source.save()
    for external_id, course in courses.items():
        SourceCourseMapping.objects.update_or_create(source=source, external_id=external_id, defaults={"course": course})
    if settings or secret is not None:
        # New credentials or settings: a source parked for bad credentials is polled again.
        SourcePoll.objects.filter(source=source, status=SourcePoll.Status.PARKED).update(
            status=SourcePoll.Status.IDLE, failures=0, next_poll_after=None, last_error=""
        )
    return source, created


@transaction.atomic
def source_secret_generate(*, source_id) -> tuple[Source, str, str]:
    """Make a new secret in the dialect's format; the one it replaces stays accepted as the second secret.

    Returns (source, new secret, the previous secret or ""). SettingsError where the LMS issues the
    secret itself (Thinkific, Teachable) or there is none (Canvas). The LMS keeps working with the
    previous secret until staff paste the new one into it and clear the second secret.
    """
    source = Source.objects.select_for_update(no_key=True).get(pk=source_id)
    dialect = DIALECTS[source.dialect].configured(source.settings)
    if not dialect.secret_generated_here:
        raise SettingsError(f"Laurel cannot make up the {dialect.name} dialect's secret: it is {dialect.secret_help}.")
    previous, source.signing_secret = source.signing_secret, dialect.secret_generate()
    source_secret_check(dialect_name=dialect.name, secret=source.signing_secret, settings=source.settings)
    source.signing_secret_next = previous
    source.save(update_fields=["signing_secret", "signing_secret_next"])
    return source, source.signing_secret, previous
