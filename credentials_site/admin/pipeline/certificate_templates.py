"""The certificate template editor in the admin: merge fields beside it, and a preview rendered as the PDF.

The model belongs to the catalogue; its admin is registered here because the preview renders a
PDF, which only the pipeline does (docs/decisions/0005).
"""

import base64

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from credentials_site.admin.base import LaurelHistoryAdmin, LaurelStackedInline, LaurelTabularInline

from courses.access import tenancy
from courses.models import CertificateSignatory, CertificateTemplate, CertificateTemplateVariant, template_languages
from courses.templating.certificate_fields import FIELDS
from courses.templating.languages import LANGUAGES

from issuance.certificates.credential_certificate import organization_assets
from issuance.certificates.layering import template_layering
from issuance.certificates.preview import template_preview
from issuance.certificates.samples import SAMPLE_NAMES
from credentials_site.admin.pipeline.certificate_design import (
    design_asset_response, design_read_response, design_state, design_state_new, design_template_response,
)
from credentials_site.admin.pipeline.template_source import template_source_widget


class CertificateSignatoryInline(LaurelTabularInline):
    model = CertificateSignatory
    extra = 0
    fields = ["order", "name", "title", "signature"]


class CertificateTemplateVariantInline(LaurelStackedInline):
    """The template's HTML and CSS for learners of one language (the page and signatories stay the template's);
    a language without one gets the template's. Code only: the Design tab designs the template itself."""

    model = CertificateTemplateVariant
    fields = ["language", "html", "css"]
    extra = 0
    verbose_name_plural = "Versions in other languages"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("html", "css"):
            kwargs["widget"] = template_source_widget(rows=12, language=db_field.name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(LaurelHistoryAdmin):
    list_display = ["name", "organization", "language", "page_size", "orientation", "version", "updated_at"]
    list_filter = ["organization", "page_size", "orientation"]
    search_fields = ["name"]
    readonly_fields = ["version", "updated_at", "rendering", "languages"]
    inlines = [CertificateSignatoryInline, CertificateTemplateVariantInline]
    change_form_template = "admin/courses/certificatetemplate/change_form.html"
    compressed_fields = False  # labels above the fields: the code shares the width with the preview beside it (m9)
    formfield_overrides = {models.TextField: {"widget": template_source_widget(rows=24)}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("html", "css"):  # highlighted as what they are; Django's tags marked in both
            kwargs["widget"] = template_source_widget(rows=24, language=db_field.name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Rendering")
    def rendering(self, template):
        """Layered (the design drawn once, each credential's text placed on it) or a full render, and why."""
        if not template.pk:
            return "Known once the template is saved."
        organization = template.organization
        assets, _logo = organization_assets(organization=organization)
        return str(template_layering(template_html=template.html, template_css=template.css,
                                     page_size=template.page_size, orientation=template.orientation, assets=assets))

    @admin.display(description="Each language's learners get")
    def languages(self, template):
        """Which version each shipped language's learners get: its own, or which one in its place."""
        if template is None or template.pk is None:
            return "Save the template to add versions in other languages."
        return format_html('<ul class="laurel-template-languages" data-testid="template-languages">{}</ul>', format_html_join(
            "", '<li data-language="{}" class="{}">{}</li>',
            ((code, "laurel-fallback" if line.startswith("No ") else "laurel-own", line)
             for code, line in template_languages(template=template))))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="courses_certificatetemplate_preview"),
            path("<int:pk>/preview.png", view(self.preview_file_view), {"kind": "png"}, name="courses_certificatetemplate_preview_png"),
            path("<int:pk>/preview.pdf", view(self.preview_file_view), {"kind": "pdf"}, name="courses_certificatetemplate_preview_pdf"),
            path("<int:pk>/live-preview/", view(require_POST(self.live_preview_view)), name="courses_certificatetemplate_live_preview"),
            path("<int:pk>/design/template/", view(require_POST(self.design_view)), {"kind": "template"}, name="courses_certificatetemplate_design_template"),
            path("<int:pk>/design/read/", view(require_POST(self.design_view)), {"kind": "read"}, name="courses_certificatetemplate_design_read"),
            path("<int:pk>/design/asset/<slug:name>", view(self.design_asset_view), name="courses_certificatetemplate_design_asset"),
            # The add page's Design tab: the same round trips, before there is a template.
            path("design/template/", view(require_POST(self.design_new_view)), {"kind": "template"}, name="courses_certificatetemplate_design_new_template"),
            path("design/read/", view(require_POST(self.design_new_view)), {"kind": "read"}, name="courses_certificatetemplate_design_new_read"),
            path("design/organization/<int:organization>/asset/<slug:name>", view(self.design_new_asset_view),
                 name="courses_certificatetemplate_design_new_asset"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "merge_fields": FIELDS, "samples": SAMPLE_NAMES}
        template = self.get_object(request, unquote(object_id))
        if template is not None and self.has_change_permission(request, template):
            extra_context["design_state"] = design_state(template)  # the Design tab (certificate_design.py)
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "merge_fields": FIELDS, "samples": SAMPLE_NAMES}
        if self.has_add_permission(request):  # the Design tab from the start (certificate_design.py)
            posted = request.method == "POST"
            extra_context["design_state"] = design_state_new(
                self._add_organizations(request), html=request.POST.get("html") if posted else None,
                css=request.POST.get("css") if posted else None)
        return super().add_view(request, form_url, extra_context)

    def _add_organizations(self, request):
        return tenancy.organizations_for(request.user, self.scoped_permission("add")).order_by("name")

    def _template_or_404(self, request, pk):
        template = get_object_or_404(self.get_queryset(request), pk=pk)  # another organisation's: 404
        if not self.has_view_or_change_permission(request, template):
            raise PermissionDenied
        return template

    def preview_view(self, request, pk):
        template = self._template_or_404(request, pk)
        sample = request.GET.get("sample", "latin")
        preview = template_preview(template=template, sample=sample)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": template,
            "title": f"Preview of {template}",
            "preview": preview,
            "sample": sample,
            "samples": SAMPLE_NAMES,
        }
        return TemplateResponse(request, "admin/courses/certificatetemplate/preview.html", context)

    def live_preview_view(self, request, pk):
        """The editor's unsaved HTML and CSS (the template's own, or a language's version: the page posts whichever
        staff typed in last, with its language), rendered through the sandbox for one sample name as a learner of
        that language gets it: a PNG, or the problems.

        Nothing is saved. The render runs under the same budgets as a real certificate.
        """
        saved = self._template_or_404(request, pk)
        if not self.has_change_permission(request, saved):
            raise PermissionDenied
        language = request.POST.get("language", "")
        draft = CertificateTemplate(
            pk=saved.pk, organization=saved.organization, name=saved.name,
            html=request.POST.get("html", saved.html), css=request.POST.get("css", saved.css),
            page_size=request.POST.get("page_size") or saved.page_size,
            orientation=request.POST.get("orientation") or saved.orientation,
            language=language if language in LANGUAGES else saved.language,
        )
        if draft.page_size not in CertificateTemplate.PageSize.values or draft.orientation not in CertificateTemplate.Orientation.values:
            return JsonResponse({"problems": ["Choose a page size and orientation from the lists."]}, status=422)
        sample = request.POST.get("sample", "latin")
        preview = template_preview(template=draft, sample=sample, language=draft.language)
        if preview.pdf is None:
            return JsonResponse({"problems": preview.problems, "sample": sample}, status=422)
        png = base64.b64encode(preview.png(width=1100)).decode("ascii")
        return JsonResponse({"png": f"data:image/png;base64,{png}", "problems": [], "sample": sample,
                             "language": draft.language})

    def design_view(self, request, pk, kind):
        """The Design tab's two round trips: a design to template source, and unsaved source back to a design."""
        template = self._template_or_404(request, pk)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        return design_template_response(request) if kind == "template" else design_read_response(request)

    def design_asset_view(self, request, pk, name):
        return design_asset_response(self._template_or_404(request, pk).organization, name)

    def design_new_view(self, request, kind):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return design_template_response(request) if kind == "template" else design_read_response(request)

    def design_new_asset_view(self, request, organization, name):
        # Another organisation's is a 404 whoever asks; one's own, without the right to add templates in it, a 403.
        seen = get_object_or_404(tenancy.organizations_for(request.user), pk=organization)
        if not self.has_add_permission(request) or not self._add_organizations(request).filter(pk=seen.pk).exists():
            raise PermissionDenied
        return design_asset_response(seen, name)

    def preview_file_view(self, request, pk, kind):
        template = self._template_or_404(request, pk)
        preview = template_preview(template=template, sample=request.GET.get("sample", "latin"))
        if preview.pdf is None:
            return HttpResponse("; ".join(preview.problems), status=422, content_type="text/plain; charset=utf-8")
        if kind == "png":
            return HttpResponse(preview.png(), content_type="image/png")
        response = HttpResponse(preview.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="preview-{template.pk}.pdf"'
        return response
