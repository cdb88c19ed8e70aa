"""Admin list filters that read a credential's shown status: past its end is expired, job or no job."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from issuance.lifecycle.expiry import credentials_shown_as
from issuance.models import Credential
from issuance.reports import EXPIRY_DAYS

Status = Credential.Status


class ShownStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "shown_status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value() in Status.values:
            return queryset.filter(credentials_shown_as(status=self.value()))
        return queryset


class ExpiresFilter(admin.SimpleListFilter):
    title = "expires"
    parameter_name = "expires"

    def lookups(self, request, model_admin):
        return [(str(days), f"in the next {days} days") for days in EXPIRY_DAYS] + [("past", "already passed"),
                                                                                       ("never", "never")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "never":
            return queryset.filter(valid_until__isnull=True)
        if self.value() == "past":
            return queryset.filter(valid_until__lte=now)
        if self.value() in {str(days) for days in EXPIRY_DAYS}:
            # Upcoming expiries are of credentials a learner still holds: active, not renewed yet.
            return queryset.filter(status=Status.ACTIVE, valid_until__gt=now,
                                   valid_until__lte=now + timedelta(days=int(self.value())))
        return queryset
