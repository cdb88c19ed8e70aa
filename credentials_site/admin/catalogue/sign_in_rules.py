"""Owners' sign-in rules: which identity provider claims give which role in their organisation (docs/sign-in.md)."""

from django.contrib import admin

from credentials_site.admin.base import LaurelAdmin
from courses.access.sign_in import sign_in_rule_delete, sign_in_rule_save
from courses.models import SignInRule


@admin.register(SignInRule)
class SignInRuleAdmin(LaurelAdmin):
    """Only owners hold the sign-in rule permissions (courses/access/roles.py): a rule can make anyone an owner."""

    list_display = ["claim", "value", "role", "organization", "created_at"]
    list_filter = ["organization", "role", "claim"]
    search_fields = ["claim", "value"]
    list_select_related = ["organization"]
    fields = ["organization", "claim", "value", "role"]

    def save_model(self, request, obj, form, change):
        sign_in_rule_save(rule=obj, actor=request.user)

    def delete_model(self, request, obj):
        sign_in_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset.select_related("organization"):
            self.delete_model(request, rule)
