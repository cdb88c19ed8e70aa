"""The roster page: pick a course and a session date, paste or type attendees, see each row checked, submit.

Built on the admin's own change form, in unfold's field helpers and widgets. The page's
script (static/laurel/roster.js) reads pastes and checks rows as they are typed; the server checks
them again on every save and submit, and its answer is the one that counts.
"""

import uuid
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.widgets import DATETIME_CLASSES, TEXTAREA_CLASSES, UnfoldAdminSelectWidget

from courses.access import tenancy
from credentials_site.admin.base import LaurelAdmin
from courses.access.tenancy import organizations_for, roster_courses_for

from issuance.intake.rosters import CELLS, ROWS_MAX, roster_paste_columns, roster_paste_parse, roster_rows_replace, roster_submit
from issuance.models import Learner, Roster
from credentials_site.admin.pipeline.typed_in_outcomes import event_outcome

ROSTER_PERMISSION = "issuance.enter_roster"
OUTCOME_TALLY = [("ok", "issued"), ("no", "not issued"), ("bad", "need attention"), ("wait", "waiting")]


class RosterHeaderForm(forms.Form):
    course = forms.ModelChoiceField(queryset=None, widget=UnfoldAdminSelectWidget,
                                    help_text="Only the courses you may enter completions for.")
    session_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": " ".join(DATETIME_CLASSES)}),
                                   help_text="The day the session took place.")
    paste = forms.CharField(
        required=False, label="Paste from a spreadsheet",
        widget=forms.Textarea(attrs={"rows": 3, "class": " ".join([*TEXTAREA_CLASSES, "laurel-roster-paste"]), "spellcheck": "false",
                                     "placeholder": "Ana Lima\tana@example.org\t100\t86"}),
        help_text="Copy the rows (name, email, attendance %, score %, manager's email, language) from a spreadsheet and paste "
                  "them here; tab- or comma-separated, a header row is recognised, other columns are left out.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = roster_courses_for(user).filter(is_active=True).select_related("organization")
        self.fields["course"].label_from_instance = lambda course: f"{course.code} — {course.title} ({course.organization.name})"

    def clean_session_date(self):
        day = self.cleaned_data["session_date"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(f"{day:%d %B %Y} is in the future: a roster records a session that took place.")
        return day


class RosterPageForm(forms.Form):
    """What ties a post to the page it came from: a new roster's key, an existing one's revision."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class RosterRowForm(forms.Form):
    name = forms.CharField(required=False, max_length=300, widget=forms.TextInput(attrs={"data-cell": "name", "autocomplete": "off"}))
    email = forms.CharField(required=False, max_length=400, widget=forms.TextInput(attrs={"data-cell": "email", "autocomplete": "off", "inputmode": "email"}))
    attendance = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={"data-cell": "attendance", "inputmode": "decimal", "autocomplete": "off"}))
    score = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={"data-cell": "score", "inputmode": "decimal", "autocomplete": "off"}))
    manager_email = forms.CharField(required=False, max_length=400, widget=forms.TextInput(
        attrs={"data-cell": "manager_email", "autocomplete": "off", "inputmode": "email"}))
    language = forms.CharField(required=False, max_length=40, widget=forms.TextInput(
        attrs={"data-cell": "language", "autocomplete": "off", "spellcheck": "false", "placeholder": "fr, pt-BR"}))


RosterRowFormSet = forms.formset_factory(RosterRowForm, extra=0, max_num=ROWS_MAX, absolute_max=ROWS_MAX, validate_max=True)


@admin.register(Roster)
class RosterAdmin(LaurelAdmin):
    list_display = ["__str__", "course", "session_date", "status", "row_count", "created_by", "updated_at"]
    list_filter = ["status", "session_date", "course"]
    search_fields = ["course__code", "course__title", "rows__email", "rows__name"]
    date_hierarchy = "session_date"
    list_select_related = ["course", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(course__in=roster_courses_for(request.user)).annotate(rows_total=Count("rows"))

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(ROSTER_PERMISSION) or request.user.has_perm("issuance.view_roster")

    def has_add_permission(self, request):
        return request.user.has_perm(ROSTER_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(ROSTER_PERMISSION)

    def has_delete_permission(self, request, obj=None):
        return False  # a roster's submitted rows are the raw input of its events; drafts are simply left

    @admin.display(description="Rows", ordering="rows_total")
    def row_count(self, roster):
        return roster.rows_total

    def add_view(self, request, form_url="", extra_context=None):
        return self.roster_view(request, None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.roster_view(request, object_id)

    def roster_view(self, request, object_id):
        roster = None
        if object_id is not None:
            # Another organisation's roster (or none) is a 404 before any permission check could say 403.
            if not str(object_id).isdigit():
                raise Http404("No such roster.")
            if not tenancy.scope(Roster.objects.filter(pk=object_id), request.user).exists():
                raise Http404("No such roster.")
            if not self.has_view_permission(request):
                raise PermissionDenied  # the user's organisation's, but the role does not reach rosters
            roster = get_object_or_404(self.get_queryset(request).select_related("course__organization"), pk=object_id)
        elif not self.has_add_permission(request):
            raise PermissionDenied
        editable = self.has_change_permission(request, roster)
        if request.method == "POST":
            if not editable:
                raise PermissionDenied
            return self._roster_post(request, roster)
        header = RosterHeaderForm(user=request.user, initial=self._header_initial(request, roster))
        rows = RosterRowFormSet(prefix="row", initial=self._row_initial(request, roster))
        page = RosterPageForm(initial={"submission_key": uuid.uuid4(), "revision": roster.revision if roster else 0})
        return self._render(request, roster, header, rows, editable, page=page)

    def _header_initial(self, request, roster):
        if roster is not None:
            return {"course": roster.course_id, "session_date": roster.session_date}
        return {"course": request.GET.get("course"), "session_date": timezone.localdate()}

    def _row_initial(self, request, roster):
        if roster is not None:
            return [{name: getattr(row, name) for name in CELLS} for row in roster.rows.filter(event__isnull=True)]
        learner_id = str(request.GET.get("learner", ""))
        learners = Learner.objects.filter(organization__in=organizations_for(request.user))
        learner = learners.filter(pk=learner_id).first() if learner_id.isdigit() else None
        return [{"name": learner.name, "email": learner.email}] if learner else []

    def _roster_post(self, request, roster):
        page = RosterPageForm(request.POST)
        if not page.is_valid() or page.cleaned_data["submission_key" if roster is None else "revision"] is None:
            raise PermissionDenied("The roster form was posted without its page key.")
        if roster is None:
            earlier = self.get_queryset(request).filter(submission_key=page.cleaned_data["submission_key"]).first()
            if earlier is not None:  # the new-roster page posted twice: the first post made it
                self.message_user(request, "This page was already saved; nothing was added twice.", messages.WARNING)
                return HttpResponseRedirect(reverse("admin:issuance_roster_change", args=[earlier.pk]))
        elif page.cleaned_data["revision"] != roster.revision:
            self.message_user(request, "This roster was saved or submitted after you opened that page, so nothing from it "
                              "was saved twice. Here is the roster as it is now.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:issuance_roster_change", args=[roster.pk]))
        header = RosterHeaderForm(request.POST, user=request.user)
        rows = RosterRowFormSet(request.POST, prefix="row")
        locked = roster is not None and roster.rows.filter(event__isnull=False).exists()
        if locked:  # rows already went out with this course and date: they stay as they were sent
            header.fields["course"].required = header.fields["session_date"].required = False
        if not (header.is_valid() and rows.is_valid()):
            return self._render(request, roster, header, rows, True, page=page)
        data = header.cleaned_data
        if roster is None:
            roster = Roster.objects.create(course=data["course"], session_date=data["session_date"], created_by=request.user,
                                           submission_key=page.cleaned_data["submission_key"])
        elif not locked:
            roster.course, roster.session_date = data["course"], data["session_date"]
            roster.save(update_fields=["course", "session_date", "updated_at"])
        cells = [form.cleaned_data for form in rows.forms if form.cleaned_data] + roster_paste_parse(data.get("paste") or "")
        saved = roster_rows_replace(roster=roster, cells=cells)
        columns = roster_paste_columns(data.get("paste") or "")
        if columns is not None:  # pasted without the page's script: say how the sheet's header was read
            self.message_user(request, columns.summary(), messages.INFO)
        if "_submit" in request.POST:
            report = roster_submit(roster_id=roster.pk, user=request.user)
            self.message_user(request, report.summary(), messages.WARNING if report.held else messages.SUCCESS)
        else:
            bad = sum(1 for row in saved if row.errors)
            note = f" {bad} with errors." if bad else " All pass the checks."
            self.message_user(request, f"Draft saved: {len(saved)} row{'s' if len(saved) != 1 else ''} not yet submitted.{note}",
                              messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:issuance_roster_change", args=[roster.pk]))

    def _render(self, request, roster, header, rows, editable, *, page):
        pending, sent = [], []
        if roster is not None:
            saved = list(roster.rows.select_related("event").prefetch_related("event__issuances__learner"))
            sent = [(row, event_outcome(row.event)) for row in saved if row.event_id]
            errors = [row.errors for row in saved if not row.event_id]
            positions = [row.position for row in saved if not row.event_id]
            next_position = max([0, *(row.position for row in saved)]) + 1
        else:
            errors, positions, next_position = [], [], 1
        if rows.is_bound:
            errors, positions = [], []  # the posted rows have not been checked yet
        for index, form in enumerate(rows.forms):
            row_errors = errors[index] if index < len(errors) else []
            by_field = {e["field"].split(" ")[0]: e["message"] for e in row_errors}
            position = positions[index] if index < len(positions) else None
            pending.append({"form": form, "cells": [(form[name], by_field.get(name, "")) for name in CELLS], "errors": row_errors,
                            "position": position})
        locked = bool(sent)
        tally = Counter(outcome.tone for _, outcome in sent)
        sent_summary = ", ".join(f"{tally[tone]} {label}" for tone, label in OUTCOME_TALLY if tally[tone])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Roster: {roster}" if roster else "New roster",
            "subtitle": None,
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": roster,
            "add": roster is None,
            "change": roster is not None,
            "is_popup": False,
            "save_as": False,
            "has_view_permission": True,
            "has_add_permission": self.has_add_permission(request),
            "has_change_permission": editable,
            "has_delete_permission": False,
            "has_editable_inline_admin_formsets": False,
            "editable": editable,
            "header": header,
            "page": page,
            "next_position": next_position,
            "sent_summary": sent_summary,
            "rows": rows,
            "pending": pending,
            "sent": sent,
            "locked": locked,
            "ready": sum(1 for row in pending if not row["errors"]),
            "held": sum(1 for row in pending if row["errors"]),
            "media": self.media + forms.Media(js=["laurel/roster.js"], css={"all": ["laurel/roster.css"]}),
            "empty_row": [rows.empty_form[name] for name in CELLS],
        }
        return TemplateResponse(request, "admin/issuance/roster/roster_form.html", context)
