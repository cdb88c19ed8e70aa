"""Sources in the admin: who may send completions, with which secrets, and how their courses map."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..intake.signatures import secret_key
from ..models import Source, SourceCourseMapping


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = "__all__"

    def _clean_secret(self, name):
        value = self.cleaned_data.get(name, "").strip()
        if value:
            if not value.startswith("whsec_"):
                raise forms.ValidationError("A Standard Webhooks secret starts with whsec_.")
            try:
                secret_key(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return value

    def clean_signing_secret(self):
        return self._clean_secret("signing_secret")

    def clean_signing_secret_next(self):
        return self._clean_secret("signing_secret_next")


class SourceCourseMappingInline(admin.TabularInline):
    model = SourceCourseMapping
    extra = 1
    autocomplete_fields = ["course"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    form = SourceForm
    list_display = ["name", "slug", "organization", "dialect", "course_matching", "is_active"]
    list_filter = ["organization", "dialect", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourceCourseMappingInline]
    fieldsets = [
        (None, {"fields": ["organization", "name", "slug", "dialect", "is_active"]}),
        ("Signing (Standard Webhooks)", {"fields": ["signing_secret", "signing_secret_next", "rate_limit_per_minute"]}),
        ("Courses", {"fields": ["course_matching"]}),
    ]
