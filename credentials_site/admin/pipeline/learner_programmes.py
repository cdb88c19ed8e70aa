"""The learner's history in the admin: where they stand on each programme, as their own page (/me) shows it,
with the programme credential awarded to them, if any, and their learner record (CLR 2.0) to download."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from courses.models import Programme
from issuance.models import Credential, Learner, ProgrammeAward
from issuance.openbadges.learner_record import LearnerRecordEmpty, learner_record_assemble, learner_record_filename
from issuance.programmes.awards import learner_programmes_progress


def _awarded(learner: Learner, programme) -> str:
    award = ProgrammeAward.objects.filter(programme=programme, learner=learner, closed_at__isnull=True).first()
    credential = Credential.objects.filter(issuance_id=award.issuance_id).first() if award and award.issuance_id else None
    if credential is not None:
        return format_html('<a class="text-primary-600" href="{}">{}</a>', reverse("admin:issuance_credential_change", args=[credential.pk]),
                           f"awarded ({credential.get_status_display().lower()})")
    if award is not None:
        return format_html('<a class="text-primary-600" href="{}">{}</a>', reverse("admin:issuance_issuance_change", args=[award.issuance_id]),
                           "awarded, on its way") if award.issuance_id else "awarded, on its way"
    return "not awarded"


def learner_record_url(learner: Learner, programme: Programme | None = None) -> str:
    url = reverse("admin:issuance_learner_clr", args=[learner.pk])
    return f"{url}?programme={programme.pk}" if programme is not None else url


def learner_programmes_table(learner: Learner) -> str:
    rows = [
        (format_html('<a class="text-primary-600" href="{}">{}</a>', reverse("admin:courses_programme_change", args=[programme.pk]), programme.name),
         progress.summary, _awarded(learner, programme),
         format_html('<a class="text-primary-600" href="{}" download>CLR 2.0 (JSON)</a>', learner_record_url(learner, programme)))
        for programme, progress in learner_programmes_progress(learner=learner)
    ]
    if not rows:
        return "No programme counts any of their credentials."
    return format_html('<table class="laurel-table" data-testid="learner-programmes"><tr><th>Programme</th><th>Progress</th>'
                       '<th>Its credential</th><th>Learner record</th></tr>{}</table>',
                       format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows))


def learner_record_view(model_admin, request, object_id):
    """The learner's signed CLR 2.0 record, all their credentials or one programme's, as a JSON download."""
    learner = model_admin.get_object(request, object_id)  # scoped to the user's organisations: another's is a 404
    if learner is None or not model_admin.has_view_permission(request, learner) or learner.erased_at is not None:
        raise Http404("No such learner.")
    programme = None
    if request.GET.get("programme"):
        programme = Programme.objects.filter(organization_id=learner.organization_id, pk=request.GET["programme"]).first()
        if programme is None:
            raise Http404("No such programme in the learner's organisation.")
    try:
        record = learner_record_assemble(learner=learner, programme=programme)
    except LearnerRecordEmpty as exc:
        messages.warning(request, str(exc))
        return redirect("admin:issuance_learner_change", learner.pk)
    response = JsonResponse(record, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{learner_record_filename(learner=learner, programme=programme)}"'
    return response
