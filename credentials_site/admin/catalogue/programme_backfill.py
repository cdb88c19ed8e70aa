"""The programme page's backfill: the dry run (who already satisfies it without an award), then the award
to all of them behind the bulk gate, emailing them or not as staff choose (issuance/programme_backfill.py)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from courses.access import tenancy
from courses.models import Programme
from issuance.lifecycle.bulk import bulk_confirm_over, typed_count
from issuance.programme_backfill import LISTED, BackfillRefused, programme_backfill_issue, programme_backfill_plan

ISSUE_PERMISSION = "issuance.issue_by_hand"  # awarding it issues credentials: an operator's or owner's, in that organisation


def _may_issue(request, programme: Programme) -> bool:
    rows = Programme.objects.filter(pk=programme.pk)
    return tenancy.scope(rows, request.user, ISSUE_PERMISSION, path="organization").exists()


def programme_backfill_view(modeladmin, request, pk):
    programme = get_object_or_404(modeladmin.get_queryset(request).select_related("organization", "course"), pk=pk)
    change_url = reverse("admin:courses_programme_change", args=[programme.pk])
    may_issue = _may_issue(request, programme)
    notify = request.POST.get("notify") == "learners"
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "yes" and may_issue:
        shown, now = typed_count(request.POST.get("expected")), programme_backfill_plan(programme=programme).count
        if not programme.course.is_active:
            error = f"Programme {programme.code}'s course is inactive: activate it before awarding the programme."
        elif shown != now:  # staff confirm the learners they were shown, not a list that has moved since
            error = f"{now} learner(s) satisfy it now, not the {shown} shown: nothing was awarded. Check the list, then confirm again."
        else:
            try:
                report = programme_backfill_issue(programme=programme, notify_learners=notify, actor_user=request.user,
                                                  confirmed=typed_count(request.POST.get("confirm_count")))
            except BackfillRefused as exc:
                error = str(exc)
            else:
                modeladmin.message_user(request, report.summary() + " Each award is in its issuance's audit trail.")
                return HttpResponseRedirect(change_url)
    plan = programme_backfill_plan(programme=programme)
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts, "title": f"Backfill {programme.code}", "programme": programme, "plan": plan,
        "listed": plan.learners[:LISTED], "more": max(0, plan.count - LISTED), "may_issue": may_issue,
        "notify": notify, "error": error, "confirm_over": bulk_confirm_over(), "change_url": change_url,
    }
    return TemplateResponse(request, "admin/courses/programme/backfill.html", context)


def programme_backfill_offer(modeladmin, request, programme: Programme) -> None:
    """After a programme is made or changed: say how many learners already satisfy it, linking the backfill."""
    count = programme_backfill_plan(programme=programme).count
    if count:
        modeladmin.message_user(request, format_html(
            '{} learner{} already satisfy {} without an award. <a href="{}">Review the backfill</a> to award it to them.',
            count, "s" if count != 1 else "", programme.code, reverse("admin:courses_programme_backfill", args=[programme.pk])),
            messages.WARNING)
