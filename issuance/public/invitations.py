"""The page an invitation's link opens: who invites you to what, and a password to accept with."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from courses.access.membership import MembershipError, invitation_accept, invitation_find


class AcceptForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, required=False, label="Choose a password")
    password_again = forms.CharField(widget=forms.PasswordInput, required=False, label="The password again")

    def __init__(self, *args, new_user: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_user = new_user
        if not new_user:
            del self.fields["password"], self.fields["password_again"]

    def clean(self):
        cleaned = super().clean()
        if self.new_user:
            password = cleaned.get("password") or ""
            if password != cleaned.get("password_again"):
                raise forms.ValidationError("The two passwords differ.")
            validate_password(password)
        return cleaned


@never_cache
def invitation_page(request, token: str):
    invitation = invitation_find(token=token)
    if invitation is None:
        return render(request, "laurel/public/invitation.html", {"invitation": None}, status=404)
    new_user = not get_user_model().objects.filter(username__iexact=invitation.email).exists()
    form = AcceptForm(request.POST or None, new_user=new_user)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(invitation=invitation, password=form.cleaned_data.get("password") or None)
        except MembershipError as exc:
            error = str(exc)
        else:
            return HttpResponseRedirect(reverse("admin:login") + "?joined=" + invitation.organization.slug)
    organization = invitation.organization
    return render(request, "laurel/public/invitation.html", {
        "invitation": invitation, "organization": organization, "form": form, "new_user": new_user, "error": error,
        "brand": organization.primary_color, "accent": organization.accent_color,
    })
