"""An organisation's catalogue as a process last read it, keyed by the organisation's catalogue version.

Every credential used to read the same rows again: the organisation's default certificate template,
its assets (and their files), the template's signatories, the email template, the achievement's texts.
They change when staff edit them, which is rare, so a process keeps what it read under
`(organisation id, its creation time, catalogue_version)`. Every save or delete of one of those rows adds
one to `Organization.catalogue_version` in the same transaction (the receivers below), so:

- a process that reads the organisation after the change commits sees a new number and reads the rows
  again; nothing it kept under an older number is served for it;
- what it reads after reading the number is at least as new as the number, so a copy is never older than
  its key says;
- the key names one organisation: nothing read for one is served to another.

A caller passes the organisation row it holds (the worker's, read with the issuance it claimed): the copy
is the catalogue as of that row. Queryset `.update()` and `.delete()` on these models skip the receivers;
Laurel's code does neither (tests/courses/test_catalogue_cache.py names the models this covers).
"""

from collections.abc import Callable
from typing import Any

from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import (
    Achievement,
    AchievementText,
    CertificateAsset,
    CertificateSignatory,
    CertificateTemplate,
    EmailTemplate,
    EmailTemplateVariant,
    Organization,
)

_LIMIT = 2048  # entries per process; past it the memory starts again
_kept: dict[tuple, Any] = {}


def catalogue_cached(*, organization: Organization, name: str, key: tuple, read: Callable[[], Any]) -> Any:
    """`read()`'s answer for `organization`'s catalogue as of `organization.catalogue_version`, read once per process."""
    if organization.pk is None:
        return read()
    full_key = (organization.pk, organization.created_at, organization.catalogue_version, name, *key)
    try:
        return _kept[full_key]
    except KeyError:
        pass
    value = read()
    if len(_kept) >= _LIMIT:
        _kept.clear()
    _kept[full_key] = value
    return value


def prefetched_rows_attach(instance: Model, name: str, rows: list) -> None:
    """Attach `rows` as if `prefetch_related(name)` had read them: `instance.<name>.all()` asks nothing."""
    queryset = getattr(instance, name).all()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def achievement_texts_attach(*, achievement: Achievement, organization: Organization) -> None:
    """The achievement's texts per language (`achievement_text_in`) from this process's copy of its organisation's."""
    if achievement.organization_id != organization.pk or "texts" in getattr(achievement, "_prefetched_objects_cache", {}):
        return
    texts = catalogue_cached(organization=organization, name="achievement-texts", key=(achievement.pk,),
                             read=lambda: list(AchievementText.objects.filter(achievement_id=achievement.pk)))
    prefetched_rows_attach(achievement, "texts", texts)


def catalogue_cache_forget() -> None:
    _kept.clear()


def catalogue_changed(*, organization_id) -> None:
    """One more change to the organisation's catalogue: every process reads it again from its next row of the organisation."""
    if organization_id is not None:
        Organization.objects.filter(pk=organization_id).update(catalogue_version=F("catalogue_version") + 1)


# How each cached model reaches its organisation.
_ORGANIZATION_OF = {
    CertificateTemplate: lambda row: row.organization_id,
    CertificateAsset: lambda row: row.organization_id,
    EmailTemplate: lambda row: row.organization_id,
    CertificateSignatory: lambda row: CertificateTemplate.objects.filter(pk=row.template_id).values_list(
        "organization_id", flat=True).first(),
    EmailTemplateVariant: lambda row: EmailTemplate.objects.filter(pk=row.template_id).values_list(
        "organization_id", flat=True).first(),
    AchievementText: lambda row: Achievement.objects.filter(pk=row.achievement_id).values_list(
        "organization_id", flat=True).first(),
}
CACHED_MODELS = tuple(_ORGANIZATION_OF)


def _changed(sender, instance, **kwargs):
    if kwargs.get("raw"):  # fixtures loaded as they are
        return
    catalogue_changed(organization_id=_ORGANIZATION_OF[sender](instance))


for _model in CACHED_MODELS:
    receiver(post_save, sender=_model, dispatch_uid=f"catalogue_changed_on_save_{_model.__name__}")(_changed)
    receiver(post_delete, sender=_model, dispatch_uid=f"catalogue_changed_on_delete_{_model.__name__}")(_changed)
