"""The email template editor: merge fields beside it, a live preview of the unsaved subject, HTML and
text, and "send a test to me" through the outbox, as real mail is sent.

The model belongs to the catalogue; its admin is registered here because rendering and sending an
email is the pipeline's work (docs/decisions/0005).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from credentials_site.admin.base import LaurelHistoryAdmin, LaurelStackedInline
from courses.models import EmailTemplate, EmailTemplateVariant, email_template_languages
from courses.templating.email_fields import FIELD_ALIASES, email_fields
from courses.templating.languages import LANGUAGES
from courses.access.tenancy import organizations_for

from issuance.certificates.samples import SAMPLE_NAMES
from issuance.delivery.sending import delivery_send_template_test
from issuance.email.render import EmailTemplateError, email_render
from issuance.email.samples import email_sample_context
from credentials_site.admin.pipeline.template_source import template_source_widget


class EmailTemplateVariantInline(LaurelStackedInline):
    """The template's subject and bodies for learners of one language; a language without one gets the template's."""

    model = EmailTemplateVariant
    fields = ["language", "subject", "text_body", "html_body"]
    extra = 0
    verbose_name_plural = "Versions in other languages"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("text_body", "html_body"):
            kwargs["widget"] = template_source_widget(rows=10, language="html" if db_field.name == "html_body" else None)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(EmailTemplate)
class EmailTemplateAdmin(LaurelHistoryAdmin):
    inlines = [EmailTemplateVariantInline]
    readonly_fields = ["languages"]
    list_display = ["name", "organization", "kind", "language", "subject", "updated_at"]
    list_filter = ["organization", "kind"]
    search_fields = ["name", "subject"]
    change_form_template = "admin/courses/emailtemplate/change_form.html"
    formfield_overrides = {models.TextField: {"widget": template_source_widget(rows=16)}}  # the text part stays plain

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "html_body":
            kwargs["widget"] = template_source_widget(rows=16, language="html")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(organization__in=organizations_for(request.user))

    @admin.display(description="Each language's learners get")
    def languages(self, template):
        """Which version each shipped language's learners get: its own, or which one in its place."""
        if template is None or template.pk is None:
            return "Save the template to add versions in other languages."
        return format_html('<ul class="laurel-template-languages" data-testid="template-languages">{}</ul>', format_html_join(
            "", '<li data-language="{}" class="{}">{}</li>',
            ((code, "laurel-fallback" if line.startswith("No ") else "laurel-own", line)
             for code, line in email_template_languages(template=template))))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/live-preview/", view(require_POST(self.live_preview_view)), name="courses_emailtemplate_live_preview"),
            path("<int:pk>/send-test/", view(require_POST(self.send_test_view)), name="courses_emailtemplate_send_test"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        template = self.get_object(request, object_id)
        fields = sorted(email_fields(template.kind)) if template is not None else []
        extra_context = {**(extra_context or {}), "merge_fields": fields, "aliases": FIELD_ALIASES, "samples": SAMPLE_NAMES}
        return super().change_view(request, object_id, form_url, extra_context)

    def _draft(self, request, pk) -> tuple[EmailTemplate, dict]:
        """The version being edited (the template's own parts, or a language's version: the page posts whichever
        staff typed in last, with its language), and sample values for a learner of that language."""
        saved = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, saved):
            raise PermissionDenied
        language = request.POST.get("language", "")
        draft = EmailTemplate(
            pk=saved.pk, organization=saved.organization, kind=saved.kind, name=saved.name,
            subject=request.POST.get("subject", saved.subject), text_body=request.POST.get("text_body", saved.text_body),
            html_body=request.POST.get("html_body", saved.html_body),
            language=language if language in LANGUAGES else saved.language,
        )
        return draft, email_sample_context(kind=draft.kind, sample=request.POST.get("sample", "latin"), language=draft.language)

    def live_preview_view(self, request, pk):
        """The unsaved subject, HTML and text rendered through the sandbox for a sample learner of the version's
        language (Laurel's words, the dates and the achievement's name in it); nothing is saved."""
        draft, context = self._draft(request, pk)
        try:
            with translation.override(draft.language):
                rendered = email_render(template=draft, context=context,
                                        footer_note="You are receiving this sample because you are editing the template.")
        except EmailTemplateError as exc:
            return JsonResponse({"problems": [str(exc)]}, status=422)
        return JsonResponse({"subject": rendered.subject, "html": rendered.html, "text": rendered.text,
                             "language": draft.language, "problems": []})

    def send_test_view(self, request, pk):
        """The unsaved version, with sample values, to the signed-in staff member's own address."""
        draft, context = self._draft(request, pk)
        if not request.user.email:
            return JsonResponse({"message": "Your account has no email address; add one to receive test sends."}, status=400)
        try:
            result = delivery_send_template_test(template=draft, context=context, to=request.user.email)
        except EmailTemplateError as exc:
            return JsonResponse({"message": f"Not sent: {exc}"}, status=422)
        verb = "Sent" if result.sent else "Not sent"
        return JsonResponse({"message": f"{verb} to {request.user.email}: {result.status} — {result.detail}"},
                            status=200 if result.sent else 502)
