"""Staff users' API tokens in the admin: the list, making one (shown once, replacing the user's last), deleting one.

REST framework's own token admin showed every token in clear; it is taken off the site, since Laurel
keeps only a token's SHA-256 (courses/access/user_tokens.py).
"""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from rest_framework.authtoken.models import TokenProxy

from credentials_site.admin.base import LaurelAdmin, short_time
from courses.access.user_tokens import user_token_create
from courses.models import UserToken

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


class UserTokenForm(forms.ModelForm):
    class Meta:
        model = UserToken
        fields = ["user"]
        help_texts = {"user": "Making a token replaces the one the user had: a request with the old one is refused (401)."}

    def validate_unique(self):
        pass  # one token per user, by replacing it (user_token_create), not by refusing the form


@admin.register(UserToken)
class UserTokenAdmin(LaurelAdmin):
    """Only superusers hold these permissions (no role grants them): a token acts as its user everywhere."""

    form = UserTokenForm
    list_display = ["user", "token_prefix", "created", "last_used"]
    search_fields = ["user__username", "user__email", "prefix"]
    list_select_related = ["user"]
    read_only_page = True

    def get_fields(self, request, obj=None):
        return ["user"] if obj is None else ["user", "token_prefix", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []  # a token is never shown again

    @admin.display(description="token")
    def token_prefix(self, token):
        return f"{token.prefix}…"

    @admin.display(description="created", ordering="created_at")
    def created(self, token):
        return short_time(token.created_at)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, token):
        return short_time(token.last_used_at) if token.last_used_at else "never"

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, secret = user_token_create(user=obj.user)
        obj.pk, obj.prefix, obj.secret_hash, obj.created_at = token.pk, token.prefix, token.secret_hash, token.created_at
        obj._state.adding = False
        obj.new_secret = secret  # for response_add, on this request's object only

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the token: the answer to the POST that made it, never cached."""
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "token": obj, "secret": obj.new_secret,
            "change_url": reverse("admin:courses_usertoken_change", args=[obj.pk]),
            "title": f"New API token for {obj.user.get_username()}",
        }
        response = TemplateResponse(request, "admin/courses/usertoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response
