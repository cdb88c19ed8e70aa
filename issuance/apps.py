import sys

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Issuance"

    def ready(self):
        # Delivery lives in a sub-package: connect its tracking receiver here.
        from .delivery import tracking  # noqa: F401
        from .delivery.failures import on_outbox_message_failed
        from .delivery.signals import outbox_message_failed
        from .lifecycle.signals import credential_status_changed
        from .programmes.policy import on_credential_status_changed
        from courses.templating.save_checks import template_save_check_register

        from .certificates.save_check import certificate_template_save_problems
        from .email.save_check import email_template_save_problems
        from .imports import checks as import_checks  # noqa: F401  (registers laurel.E050)
        from .lifecycle import checks as lifecycle_checks  # noqa: F401  (registers the lifecycle's system checks)
        from .outbound import checks as outbound_checks  # noqa: F401  (registers laurel.W030, W031)
        from django_q.signals import post_execute

        from .health import worker_finished_record
        from .models import Source
        from .schedules import poll_schedule_after_source_delete, poll_schedule_after_source_save, schedules_sync_after_migrate
        from .sources import checks as source_checks  # noqa: F401  (registers laurel.E020)

        # The catalogue refuses at save what only the pipeline's render would find.
        template_save_check_register(kind="certificate", check=certificate_template_save_problems)
        template_save_check_register(kind="email", check=email_template_save_problems)
        outbox_message_failed.connect(on_outbox_message_failed, dispatch_uid="laurel-outbox-failure-record")
        # A programme's credential follows its constituents' revocation and expiry.
        credential_status_changed.connect(on_credential_status_changed, dispatch_uid="laurel-programme-constituent-lost")
        post_migrate.connect(schedules_sync_after_migrate, sender=self, dispatch_uid="laurel-schedules-sync")
        post_save.connect(poll_schedule_after_source_save, sender=Source, dispatch_uid="laurel-poll-schedule")
        post_delete.connect(poll_schedule_after_source_delete, sender=Source, dispatch_uid="laurel-poll-schedule-delete")
        # /healthz's "no worker has finished a task": the cluster's monitor records when one last did.
        post_execute.connect(worker_finished_record, dispatch_uid="laurel-worker-finished")

        if sys.argv[1:2] == ["qcluster"]:
            # django-q2 forks its workers (and every recycled one) from this process: warmed here, each
            # starts with the fonts loaded instead of paying for them on its first certificate.
            from django.urls import reverse

            from .certificates.warm import certificate_renderer_warm

            certificate_renderer_warm()
            # The URL conf (the admin, the REST framework) is imported by the first `reverse`: here, not in
            # each worker's first staff digest, where it was 1-3 s of the digest's first run (#28).
            reverse("admin:index")
