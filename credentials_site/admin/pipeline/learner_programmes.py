"""The learner's history in the admin: where they stand on each programme, as their own page (/me) shows it,
with the programme credential awarded to them, if any."""

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from issuance.models import Credential, Learner, ProgrammeAward
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


def learner_programmes_table(learner: Learner) -> str:
    rows = [
        (format_html('<a class="text-primary-600" href="{}">{}</a>', reverse("admin:courses_programme_change", args=[programme.pk]), programme.name),
         progress.summary, _awarded(learner, programme))
        for programme, progress in learner_programmes_progress(learner=learner)
    ]
    if not rows:
        return "No programme counts any of their credentials."
    return format_html('<table class="laurel-table" data-testid="learner-programmes"><tr><th>Programme</th><th>Progress</th><th>Its credential</th></tr>{}</table>',
                       format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows))
