"""One row per worker host: when its qcluster last proved it can take and finish a task."""

from django.db import models


class WorkerHeartbeat(models.Model):
    host = models.CharField(max_length=120, unique=True, help_text="LAUREL_WORKER_HOST, or the machine's host name.")
    pid = models.PositiveIntegerField(help_text="The qcluster's main process on that host.")
    started_at = models.DateTimeField(help_text="When that qcluster started.")
    beat_at = models.DateTimeField(help_text="When one of its workers last ran the heartbeat task.")
    beats = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["host"]

    def __str__(self):
        return f"{self.host} (last beat {self.beat_at:%Y-%m-%d %H:%M:%S})"
