"""Issue one credential by hand: the stock add form, checked by the worker's own validation before it is stored.

Reaching the form needs `issuance.issue_by_hand`; the "issue even if the rules say no" box is shown
and accepted only with `issuance.override_rules`. The request is kept (read-only) with its outcome.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from credentials_site.admin.base import LaurelAdmin
from credentials_site.admin.choices import form_given_request
from courses.access.tenancy import organizations_for, roster_courses_for

from issuance.intake.hand_issue import ISSUE_PERMISSION, OVERRIDE_PERMISSION, hand_issue_check, hand_issue_submit
from issuance.models import HandIssue, Learner
from credentials_site.admin.pipeline.typed_in_outcomes import event_outcome

# Where the worker's field errors belong on this form.
ERROR_FIELDS = {"email": "email", "name": "name", "score": "score", "attendance": "attendance", "course": "course",
                "completed_at": "completed_on"}


class HandIssueForm(forms.ModelForm):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    class Meta:
        model = HandIssue
        fields = ["course", "email", "name", "completed_on", "score", "attendance", "reason", "override_rules"]
        widgets = {
            "completed_on": forms.DateInput(attrs={"type": "date"}),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"completed_on": "Completed on", "override_rules": "Issue even if the rules say no"}
        help_texts = {
            "email": "The learner's address: the credential is emailed there.",
            "name": "As it will appear on the certificate.",
            "score": "Optional, 0–100.",
            "attendance": "Optional, 0–100.",
        }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "course" not in self.fields:  # a request already made: its page shows it read-only
            return
        self.fields["course"].queryset = roster_courses_for(request.user).filter(is_active=True).select_related("organization")
        self.fields["completed_on"].initial = timezone.localdate()
        if not request.user.has_perm(OVERRIDE_PERMISSION):
            self.fields.pop("override_rules", None)

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(f"{day:%d %B %Y} is in the future: give the day the learner completed the course.")
        return day

    def clean(self):
        data = super().clean()
        if not data.get("course") or not data.get("completed_on"):
            return data
        fields = {name: data.get(name) or "" for name in ("email", "name", "score", "attendance")}
        hand = HandIssue(course=data["course"], completed_on=data.get("completed_on") or timezone.localdate(), **fields)
        for error in hand_issue_check(hand=hand):
            field = ERROR_FIELDS.get(error.field.split(" ")[0])
            self.add_error(field if field in self.fields else None, error.message)
        return data


@admin.register(HandIssue)
class HandIssueAdmin(LaurelAdmin):
    form = HandIssueForm
    list_display = ["requested_at", "email", "name", "course", "override_rules", "requested_by", "outcome"]
    list_filter = ["override_rules", "course"]
    search_fields = ["email", "name", "reason"]
    list_select_related = ["course", "requested_by", "event"]
    fieldsets = [
        ("Learner", {"fields": ["email", "name"]}),
        ("Completion", {"fields": ["course", "completed_on", "score", "attendance"]}),
        ("Why", {"fields": ["reason", "override_rules", "submission_key"]}),
    ]
    view_fieldsets = [
        ("Learner", {"fields": ["email", "name"]}),
        ("Completion", {"fields": ["course", "completed_on", "score", "attendance"]}),
        ("Why", {"fields": ["reason", "override_rules", "requested_by", "requested_at"]}),
        ("Outcome", {"fields": ["outcome"]}),
    ]

    def get_queryset(self, request):
        scoped = super().get_queryset(request).filter(course__in=roster_courses_for(request.user))
        return scoped.prefetch_related("event__issuances__learner")  # the outcome column, without a query per row

    def get_form(self, request, obj=None, change=False, **kwargs):
        return form_given_request(super().get_form(request, obj, change, **kwargs), request)

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.view_fieldsets
        if request.user.has_perm(OVERRIDE_PERMISSION):
            return self.fieldsets
        return [(name, {"fields": [f for f in options["fields"] if f != "override_rules"]}) for name, options in self.fieldsets]

    def get_readonly_fields(self, request, obj=None):
        return [f for _, options in self.view_fieldsets for f in options["fields"]] if obj is not None else []

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(ISSUE_PERMISSION) or request.user.has_perm("issuance.view_handissue")

    def has_add_permission(self, request):
        return request.user.has_perm(ISSUE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False  # a request is what staff asked for, kept as asked

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        learner_id = request.GET.get("learner", "")
        learners = Learner.objects.filter(organization__in=organizations_for(request.user))
        learner = learners.filter(pk=learner_id).first() if learner_id.isdigit() else None
        if learner is not None:
            initial.update(email=learner.email, name=learner.name)
            course = roster_courses_for(request.user).filter(organization_id=learner.organization_id, is_active=True)
            if course.count() == 1:
                initial.setdefault("course", course.get().pk)
        return initial

    def add_view(self, request, form_url="", extra_context=None):
        key = request.POST.get("submission_key", "") if request.method == "POST" else ""
        earlier = HandIssue.objects.filter(submission_key=key).first() if _is_uuid(key) else None
        if earlier is not None:  # the same form posted again (a double click, a reload): nothing new is issued
            self.message_user(request, "This form was already submitted; nothing new was issued.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:issuance_handissue_change", args=[earlier.pk]))
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj.submission_key = form.cleaned_data["submission_key"]
        hand_issue_submit(hand=obj, user=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        override = " It will be issued even if the rules say no; your reason is in the audit trail." if obj.override_rules else ""
        self.message_user(request, f"Issuing {obj.course.code} to {obj.email}. Its outcome is shown below; reload if it still says in progress.{override}", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:issuance_handissue_change", args=[obj.pk]))

    @admin.display(description="Outcome")
    def outcome(self, obj):
        result = event_outcome(obj.event)
        if result.url:
            return format_html('<a href="{}">{}</a>', result.url, result.label)
        return result.label


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
