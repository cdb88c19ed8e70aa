"""The learner's data rights in the admin: download their data, and erase it after a confirmation page."""

import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import slugify

from courses.access.tenancy import organizations_for

from issuance.privacy.erasure import learner_erase
from issuance.privacy.export import learner_export_write
from issuance.privacy.subject import subject_for


def _scoped(request, queryset):
    # Only learners of the organisations this user may see; another organisation's learner is not there at all.
    return queryset.filter(organization__in=organizations_for(request.user), erased_at__isnull=True)


@admin.action(description="Download the learner's data (ZIP)", permissions=["export"])
def export_learner_data(modeladmin, request, queryset):
    learners = list(_scoped(request, queryset).select_related("organization")[:2])
    if len(learners) != 1:
        modeladmin.message_user(request, "Choose exactly one learner (not erased) to download their data.",
                                messages.WARNING)
        return None
    learner = learners[0]
    buffer = io.BytesIO()
    learner_export_write(subject=subject_for(organization=learner.organization, email=learner.email), out=buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    name = slugify(f"{learner.organization.slug}-{learner.email.replace('@', '-at-')}")
    response["Content-Disposition"] = f'attachment; filename="learner-data-{name}.zip"'
    return response


@admin.action(description="Erase the learner's personal data…", permissions=["erase"])
def erase_learner_data(modeladmin, request, queryset):
    learners = list(_scoped(request, queryset).select_related("organization"))
    subjects = [subject_for(organization=learner.organization, email=learner.email) for learner in learners]
    if request.POST.get("confirm") != "yes":
        plans = [(learner, learner_erase(subject=subject, dry_run=True)) for learner, subject in zip(learners, subjects)]
        return TemplateResponse(request, "admin/issuance/learner/confirm_erase.html", {
            **modeladmin.admin_site.each_context(request), "title": "Erase learners' personal data",
            "plans": plans, "action": "erase_learner_data", "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })
    if not modeladmin.has_erase_permission(request):
        raise PermissionDenied
    erased = [learner_erase(subject=subject, actor=request.user) for subject in subjects]
    modeladmin.message_user(request, f"Erased {len(erased)} learner{'s' if len(erased) != 1 else ''}: "
                                     + "; ".join(f"sha256:{report.subject_hash[:12]}… ({report.total} rows and files, "
                                                 f"audit record #{report.erasure_record_id})" for report in erased),
                            messages.SUCCESS)
    return None


class LearnerPrivacyPermissions:
    """What the two actions need, besides seeing the learner: the permissions of their own."""

    def has_export_permission(self, request):
        return request.user.has_perm("issuance.export_learner")

    def has_erase_permission(self, request):
        return request.user.has_perm("issuance.erase_learner")
