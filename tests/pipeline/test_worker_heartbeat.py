"""Each qcluster beats through its own workers: a row per worker host, systemd's watchdog fed, and
`scripts/worker-health` failing once the cluster is alive but frozen (docs/deployment.md)."""

import os
import re
import signal
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from credentials_site.graceful_cluster import process_descendants
from issuance.health import worker_hosts
from issuance.models import WorkerHeartbeat
from tests.pipeline.cluster import ROOT, Cluster, wait_until

STALL = 15  # seconds without a beat before a host counts as stalled, in this test (beats every second)


def _worker_health(cluster: Cluster, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "worker-health"), *args], cwd=ROOT, capture_output=True, text=True,
                          env={**cluster.env, "PYTHON": sys.executable}, timeout=60)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_a_cluster_beats_through_its_workers_and_a_frozen_one_is_reported_stalled(broker, smtp, tmp_path, monkeypatch):
    notify_path = tmp_path / "notify.sock"
    watchdog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    watchdog.bind(str(notify_path))
    watchdog.settimeout(20)
    host = f"worker-test-{broker}"
    cluster = Cluster(broker=broker, smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch,
                      env={"LAUREL_WORKER_HOST": host, "LAUREL_WORKER_HEARTBEAT_SECONDS": "1",
                           "LAUREL_WORKER_STALL_SECONDS": str(STALL), "NOTIFY_SOCKET": str(notify_path)})
    try:
        cluster.start()
        assert wait_until(lambda: WorkerHeartbeat.objects.filter(host=host, beats__gte=2).exists(), timeout=60)
        assert b"WATCHDOG=1" in watchdog.recv(256)  # the systemd watchdog is fed by the same beat
        row = WorkerHeartbeat.objects.get(host=host)
        assert row.pid == cluster.process.pid
        healthy = _worker_health(cluster)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert healthy.stdout.startswith(f"ok: worker host {host} last beat")

        # Alive but making no progress: every process below the sentinel frozen (workers, pusher, monitor).
        sentinel_and_below = process_descendants(cluster.process.pid)
        frozen = sentinel_and_below[1:]
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        frozen_at = timezone.now()
        # (Before django-q2's own timeout, Q_TIMEOUT + 3 s, would replace a worker frozen mid-task.)
        with override_settings(LAUREL_WORKER_STALL_SECONDS=STALL):
            assert wait_until(lambda: [entry["host"] for entry in worker_hosts() if entry["stalled"]] == [host],
                              timeout=STALL + 10, every=0.5)
        stalled = _worker_health(cluster)
        assert stalled.returncode == 1, stalled.stdout + stalled.stderr
        assert stalled.stdout.startswith(f"stalled: worker host {host} last beat")
        assert cluster.process.poll() is None  # the cluster is still "running": only the heartbeat tells
        print(f"\n[{broker}] stall seen {(timezone.now() - frozen_at).total_seconds():.1f} s after the freeze "
              f"(limit {STALL} s)")
    finally:
        cluster.stop()
        watchdog.close()


@pytest.mark.django_db
def test_healthz_and_the_check_name_every_host_and_mark_the_silent_one(client, capsys):
    now = timezone.now()
    WorkerHeartbeat.objects.create(host="worker-a", pid=10, started_at=now - timedelta(hours=1), beat_at=now - timedelta(seconds=5))
    WorkerHeartbeat.objects.create(host="worker-b", pid=11, started_at=now - timedelta(hours=1), beat_at=now - timedelta(seconds=75))

    body = client.get("/healthz").json()

    assert [(entry["host"], entry["stalled"]) for entry in body["workers"]["hosts"]] == [("worker-b", True), ("worker-a", False)]
    assert body["workers"]["stalled"] == ["worker-b"]
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exit_code:
        call_command("worker_health", "--all")
    assert exit_code.value.code == 1
    out = capsys.readouterr().out
    silent = re.search(r"^stalled: worker host worker-b last beat (\d+) s ago \(limit 60 s\)$", out, re.M)
    beating = re.search(r"^ok: worker host worker-a last beat (\d+) s ago \(limit 60 s\)$", out, re.M)
    assert silent and beating, out
    assert int(silent.group(1)) >= 75 and int(beating.group(1)) < 60  # seconds pass between the rows and the check
    call_command("worker_health", "--host", "worker-a")  # exits 0: returns
    call_command("worker_health", "--forget", "worker-b")
    assert list(WorkerHeartbeat.objects.values_list("host", flat=True)) == ["worker-a"]


@pytest.mark.django_db
def test_a_finished_task_is_the_busy_hosts_beat_at_most_once_per_period(monkeypatch, settings):
    """In the monitor: a cluster whose queue real work keeps full beats on each finished task, not the heartbeat task."""
    from issuance import health

    started = timezone.now() - timedelta(minutes=5)
    monkeypatch.setenv("LAUREL_QCLUSTER_PID", "4242")
    monkeypatch.setenv("LAUREL_QCLUSTER_STARTED", started.isoformat())
    monkeypatch.setitem(health._last_host_beat, "at", 0.0)
    settings.LAUREL_WORKER_HOST, settings.LAUREL_WORKER_HEARTBEAT_SECONDS = "busy-host", 10
    first = timezone.now()

    health.worker_finished_record(task={"stopped": first})
    health.worker_finished_record(task={"stopped": first + timedelta(seconds=3)})  # within the period: no write
    row = WorkerHeartbeat.objects.get(host="busy-host")
    assert (row.pid, row.started_at, row.beats) == (4242, started, 1)
    health.worker_finished_record(task={"stopped": first + timedelta(seconds=11)})
    assert WorkerHeartbeat.objects.get(host="busy-host").beats == 2


@pytest.mark.django_db
def test_outside_a_laurel_qcluster_a_finished_task_writes_no_beat(monkeypatch):
    monkeypatch.delenv("LAUREL_QCLUSTER_PID", raising=False)
    from issuance import health

    health.worker_finished_record(task={"stopped": timezone.now()})
    assert not WorkerHeartbeat.objects.exists()
