"""Every admin page of Laurel's own models is built on credentials_site/admin/base.py, so what all pages must
share (the theme, scoping to the user's organisations) cannot be forgotten on one of them."""

from django.contrib import admin

from credentials_site.admin.base import LaurelAdmin, LaurelStackedInline, LaurelTabularInline

OURS = {"courses", "issuance", "audit"}


def test_every_model_admin_of_ours_is_a_laurel_admin():
    ours = {model: model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label in OURS}
    assert ours, "no admin registered for Laurel's models"
    stray = sorted(f"{model._meta.label}: {type(model_admin).__name__}" for model, model_admin in ours.items()
                   if not isinstance(model_admin, LaurelAdmin))
    assert stray == []


def test_every_inline_of_ours_is_a_laurel_inline():
    stray = sorted(
        f"{type(model_admin).__name__}.{inline.__name__}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OURS
        for inline in model_admin.inlines
        if not issubclass(inline, (LaurelTabularInline, LaurelStackedInline))
    )
    assert stray == []
