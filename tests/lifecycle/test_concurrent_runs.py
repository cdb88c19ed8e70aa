"""Two machines running send_renewal_reminders at the same moment send each reminder once (SQLite and PostgreSQL)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from issuance.models import OutboxMessage, RenewalReminder
from tests.pipeline.cluster import database_url

LEARNERS = 40


def _command(smtp_port: int, media_root) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port),
           "EMAIL_USE_TLS": "0", "MEDIA_ROOT": str(media_root), "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "manage.py", "send_renewal_reminders", "--today", "2026-10-12"],
                            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.django_db(transaction=True)
def test_it_sends_each_reminder_once_when_two_runs_race(smtp, hold, tmp_path):
    for n in range(LEARNERS):
        hold(email=f"learner{n}@learners.example", name=f"Learner {n}")

    runs = [_command(smtp.port, tmp_path / "media") for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in runs]

    assert [process.returncode for process in runs] == [0, 0], outputs
    assert RenewalReminder.objects.count() == LEARNERS
    assert OutboxMessage.objects.filter(kind="renewal_reminder", status="sent").count() == LEARNERS
    for n in range(LEARNERS):
        assert len(smtp.to(f"learner{n}@learners.example")) == 1
    totals = [stdout.splitlines()[-1] for stdout, _ in outputs]
    sent = sum(int(line.split(": ")[1].split(" sent")[0]) for line in totals)
    assert sent == LEARNERS, totals
