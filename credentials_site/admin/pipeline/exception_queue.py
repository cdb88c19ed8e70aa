"""The exception queue: parked events, what was sent beside what is wrong, and the ways out."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from django.utils.html import format_html

from credentials_site.admin.base import LaurelAdmin, clipped, error_plain, short_time

from issuance.intake.processing import event_payload
from issuance.intake.parked_events import NotParkedError, parked_event_correct, parked_event_discard, parked_event_reprocess
from issuance.models import CompletionEvent, ParkedEvent
from issuance.sources import NotACompletion, adapter_for_event
from issuance.sources.base import CandidateCompletion
from credentials_site.admin.pipeline.display import errors_html, raw_body_html
from credentials_site.admin.pipeline.park_reasons import park_reason_label

CORRECTION_FIELDS = list(CandidateCompletion.CORRECTABLE)


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BANDS = {"hour": (None, 1), "day": (1, 24), "week": (24, 24 * 7), "older": (24 * 7, None)}

    def lookups(self, request, model_admin):
        return [("hour", "Under an hour"), ("day", "1–24 hours"), ("week", "1–7 days"), ("older", "Over a week")]

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        newer_than, older_than = self.BANDS[self.value()]
        now = timezone.now()
        if newer_than is not None:
            queryset = queryset.filter(parked_at__lte=now - timedelta(hours=newer_than))
        if older_than is not None:
            queryset = queryset.filter(parked_at__gt=now - timedelta(hours=older_than))
        return queryset


class CorrectionForm(forms.ModelForm):
    """The normalised fields, as the source sent them; staff change what is wrong."""

    email = forms.CharField(required=False)
    name = forms.CharField(required=False, max_length=200)
    course = forms.CharField(required=False, help_text="Our course code, or the source's course id.")
    completed_at = forms.CharField(required=False, help_text="ISO 8601 with a time zone, e.g. 2026-11-26T09:58:00Z.")
    learner_id = forms.CharField(required=False)
    score = forms.CharField(required=False)
    attendance = forms.CharField(required=False)
    language = forms.CharField(required=False, help_text="The learner's language as a BCP 47 tag, e.g. fr or pt-BR.")

    class Meta:
        model = ParkedEvent
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance
        adapter = adapter_for_event(event) if event.pk else None
        payload, error = event_payload(event, parse=adapter.payload_parse) if adapter else (None, True)
        try:
            candidate = CandidateCompletion() if error else adapter.adapt(payload)[0]
        except NotACompletion:
            candidate = CandidateCompletion()
        candidate.with_corrections(event.corrections or {})
        if candidate.name is None and (candidate.given_name or candidate.family_name):
            candidate.name = " ".join(str(p) for p in (candidate.given_name, candidate.family_name) if p)
        for field in CORRECTION_FIELDS:
            value = getattr(candidate, field)
            self.initial[field] = "" if value is None else str(value)

    def corrections(self) -> dict:
        return {field: self.cleaned_data[field].strip() or None for field in CORRECTION_FIELDS if field in self.changed_data}


def _confirm(modeladmin, request, queryset, *, action: str, title: str, needs_reason: bool = False):
    return TemplateResponse(
        request,
        "admin/issuance/parkedevent/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "events": queryset,
            "action": action,
            "needs_reason": needs_reason,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(ParkedEvent)
class ParkedEventAdmin(LaurelAdmin):
    form = CorrectionForm
    # The external id is searched and shown on the event's page; the list names who, from where and why (m4).
    list_display = ["parked_col", "learner_col", "source_col", "channel", "park_reason_col", "first_error"]
    list_filter = ["source", "park_reason", AgeFilter]

    def lookup_allowed(self, lookup, value, request=None):
        # The dashboard's queue figures link here narrowed to the organisation chosen there.
        return lookup == "source__organization__id__exact" or super().lookup_allowed(lookup, value, request)
    search_fields = ["external_id", "learner_label"]
    search_help_text = "Search by the learner's name or address, or the event's id."
    list_select_related = ["source"]
    ordering = ["parked_at"]
    actions = ["reprocess_selected", "discard_selected"]
    object_actions = ["reprocess_selected", "discard_selected"]
    object_action_labels = {"reprocess_selected": "Reprocess as it is…", "discard_selected": "Discard…"}
    readonly_fields = ["learner_label", "source", "channel", "external_id", "received_at", "parked_at", "raw_body", "error_list"]
    fieldsets = [
        (None, {"fields": ["learner_label", ("source", "channel", "external_id"), ("received_at", "parked_at")]}),
        ("What was sent, and what is wrong", {"fields": [("raw_body", "error_list")]}),
        (
            "Correct and reprocess",
            {
                "fields": CORRECTION_FIELDS,
                "description": "Change only what is wrong. The body stays as it was received; your corrections are "
                "kept beside it and the event is validated again when you save.",
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=CompletionEvent.Status.PARKED)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Exception queue", **(extra_context or {})})

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # discard keeps the row; nothing received is deleted

    @admin.display(description="raw body")
    def raw_body(self, event):
        return raw_body_html(event)

    @admin.display(description="errors")
    def error_list(self, event):
        return errors_html(event)

    @admin.display(description="first error")
    def first_error(self, event):
        return clipped(error_plain(event.errors[0]["message"])) if event.errors else "—"

    @admin.display(description="learner", ordering="learner_label")
    def learner_col(self, event):
        return clipped(event.learner_label) if event.learner_label else "—"

    @admin.display(description="parked", ordering="parked_at")
    def parked_col(self, event):
        return short_time(event.parked_at)

    @admin.display(description="source", ordering="source__name")
    def source_col(self, event):
        return clipped(event.source.name)

    @admin.display(description="why parked", ordering="park_reason")
    def park_reason_col(self, event):
        return format_html('<span title="{}">{}</span>', event.park_reason, park_reason_label(event.park_reason))

    @admin.display(description="external id", ordering="external_id")
    def external_id_col(self, event):
        return clipped(event.external_id)

    def save_model(self, request, obj, form, change):
        corrections = form.corrections()
        try:
            if corrections:
                outcome = parked_event_correct(event_id=obj.pk, user=request.user, corrections=corrections)
            else:
                outcome = parked_event_reprocess(event_id=obj.pk, user=request.user)
        except NotParkedError as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return
        obj.refresh_from_db()
        if outcome == CompletionEvent.Status.PROCESSED:
            self.message_user(request, f"{obj} passed validation and is on its way to a credential.", messages.SUCCESS)
        elif outcome == "retrying":
            problems = "; ".join(e["message"] for e in obj.errors)
            self.message_user(request, f"{obj}: {problems} Laurel asks again at {obj.next_attempt_at:%H:%M:%S} UTC.", messages.WARNING)
        else:
            problems = "; ".join(e["message"] for e in obj.errors)
            self.message_user(request, f"{obj} is still parked: {problems}", messages.WARNING)

    def log_change(self, request, obj, message):
        return None  # the audit trail records corrections; the admin log would only repeat it

    def response_change(self, request, obj):
        """An event that left the queue has no page here any more: "Save and continue editing" goes on to
        the same event in Events received (walk-through M4: it ended on a 404), "Save" back to the queue;
        one still parked stays on its page with the reason, to be corrected again."""
        # save_model said the outcome; Django's "changed successfully" beside a "still parked" would contradict it.
        if self.get_queryset(request).filter(pk=obj.pk).exists():  # still parked: back to its page, to try again
            return HttpResponseRedirect(reverse("admin:issuance_parkedevent_change", args=[obj.pk]))
        if "_continue" in request.POST:
            return HttpResponseRedirect(reverse("admin:issuance_completionevent_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:issuance_parkedevent_changelist"))

    @admin.action(description="Reprocess selected events", permissions=["change"])
    def reprocess_selected(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            return _confirm(self, request, queryset, action="reprocess_selected", title="Reprocess these parked events?")
        outcomes = {"processed": 0, "parked": 0, "retrying": 0, "skipped": 0}
        for event in queryset:
            try:
                status = parked_event_reprocess(event_id=event.pk, user=request.user)
            except NotParkedError:
                status = "skipped"
            outcomes[status if status in outcomes else "skipped"] += 1
        self.message_user(
            request,
            f"Reprocessed {sum(outcomes.values())} event{'' if sum(outcomes.values()) == 1 else 's'}: {outcomes['processed']} passed, "
            f"{outcomes['parked']} still parked, {outcomes['retrying']} waiting to ask the LMS again, "
            f"{outcomes['skipped']} no longer parked.",
            messages.SUCCESS if not outcomes["parked"] else messages.WARNING,
        )

    @admin.action(description="Discard selected events (with a reason)", permissions=["change"])
    def discard_selected(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("confirm") != "yes" or not reason:
            if request.POST.get("confirm") == "yes":
                self.message_user(request, "Give a reason for discarding.", messages.ERROR)
            return _confirm(self, request, queryset, action="discard_selected", title="Discard these parked events?", needs_reason=True)
        discarded = skipped = 0
        for event in queryset:
            try:
                parked_event_discard(event_id=event.pk, user=request.user, reason=reason)
                discarded += 1
            except NotParkedError:
                skipped += 1
        self.message_user(request, f"Discarded {discarded} events ({skipped} were no longer parked). Reason: {reason}")
