"""Credential admin actions for certificates: regenerate (audited, with a confirmation page) and a streamed ZIP."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from zipstream import ZipStream

from courses.templating.learner_text import LearnerNameError, learner_name_clean
from issuance.lifecycle.regenerate import credential_certificate_regenerate
from issuance.certificates.render import CertificateRenderError, CertificateTemplateError
from issuance.credentials import certificate_filename, credential_public_code
from issuance.lifecycle.bulk import bulk_confirm_over, bulk_gate, typed_count


class RegenerateForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Recorded in the audit trail, e.g. 'Name misspelt by the LMS'.")
    learner_name = forms.CharField(
        max_length=200, required=False, label="Name on the certificate",
        help_text="Only when one credential is selected: the corrected name. Leave as it is to keep it.",
    )
    email_learner = forms.BooleanField(
        required=False, label="Email the learner the corrected credential",
        help_text="Sends the credential email again with the new PDF. Off: nothing is sent.",
    )

    def clean_learner_name(self):
        name = self.cleaned_data["learner_name"]
        try:
            return learner_name_clean(name) if name.strip() else ""
        except LearnerNameError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.action(description="Regenerate the certificate of selected credentials…", permissions=["change"])
def regenerate_certificates(modeladmin, request, queryset):
    credentials = list(queryset.select_related("issuance", "learner", "achievement"))
    single = credentials[0] if len(credentials) == 1 else None
    if "confirm" in request.POST:
        form = RegenerateForm(request.POST)
        gate = bulk_gate(count=len(credentials) if form.data.get("email_learner") else 0,
                         confirmed=typed_count(request.POST.get("confirm_count")))
        if not gate.open:
            form.add_error("email_learner", gate.refusal)
        if form.is_valid():
            done, failed = 0, []
            for credential in credentials:
                name = form.cleaned_data["learner_name"] if single else None
                try:
                    credential_certificate_regenerate(
                        credential=credential, actor_user=request.user, reason=form.cleaned_data["reason"],
                        learner_name=name or None, email_learner=form.cleaned_data["email_learner"],
                    )
                    done += 1
                except (CertificateTemplateError, CertificateRenderError, ValueError) as exc:
                    failed.append(f"{credential_public_code(credential_id=credential.pk)}: {exc}")
            if done:
                modeladmin.message_user(request, f"Regenerated {done} certificate{'s' if done != 1 else ''}; each change is in the audit trail.")
            for failure in failed:
                modeladmin.message_user(request, f"Not regenerated — {failure}", messages.ERROR)
            return None
    else:
        form = RegenerateForm(initial={"learner_name": single.issuance.learner_name if single else ""})
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Regenerate certificates",
        "opts": modeladmin.model._meta,
        "credentials": credentials,
        "form": form,
        "single": single,
        "confirm_over": bulk_confirm_over(),
        "action": "regenerate_certificates",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/issuance/credential/regenerate.html", context)


@admin.action(description="Download the certificates of selected credentials (ZIP)", permissions=["view"])
def download_certificates_zip(modeladmin, request, queryset):
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    archive = ZipStream(sized=False)
    for credential in queryset.select_related("issuance__course").iterator():
        if not credential.pdf:
            continue
        name = certificate_filename(course_title=credential.issuance.course.title, learner_name=credential.issuance.learner_name)
        # The code keeps two learners of the same name apart.
        arcname = f"{name[:-4]} ({credential_public_code(credential_id=credential.pk)}).pdf"
        archive.add(_chunks(credential.pdf), arcname)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certificates-{timezone.now():%Y%m%d-%H%M%S}.zip"'
    return response


def _chunks(field_file, size=64 * 1024):
    # Opened only when the archive reaches this file, so one PDF at a time is in memory.
    with field_file.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk
