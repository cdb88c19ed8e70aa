"""django-q2's cluster, made to stop cleanly when SIGTERM reaches every process of its group.

systemd (KillMode=control-group) and `kill -TERM -<pgid>` signal the sentinel and every worker at
once. Out of the box the sentinel dies on the spot (its SIGTERM is SIG_DFL), possibly holding the
lock of the stop event, and the main process then waits for ever to set it. Here only the main
process acts on SIGTERM: the sentinel, pusher, monitor and workers ignore it, so the main process's
handler asks the sentinel to stop, workers finish the task in hand and take the queue's STOP pill,
and the monitor acknowledges what they did. A task still running after LAUREL_QCLUSTER_STOP_SECONDS
is killed, as a crash would kill it: its issuance's lease expires and the sweep re-queues it.

The sentinel also beats: every LAUREL_WORKER_HEARTBEAT_SECONDS it hands its own workers, through the
same internal queue the pusher fills, a heartbeat task (issuance.health.worker_beat) that records this
host's beat in the database and feeds systemd's watchdog; while real work keeps that queue full, the
monitor beats instead each time a worker finishes a task. A cluster that is alive but cannot take or
finish a task (a worker killed holding the queue's lock, workers frozen, the queue full for good)
stops beating, and its supervisor restarts it (docs/deployment.md).
"""

import logging
import os
import signal
import queue
import threading
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_q import cluster as q_cluster

logger = logging.getLogger(__name__)


class GracefulSentinel(q_cluster.Sentinel):
    def start(self):
        # Before any child is forked, so the pusher, monitor and every (re)spawned worker inherit it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # Who beats: the monitor also beats for this host whenever a worker finishes a task (issuance.health).
        os.environ["LAUREL_QCLUSTER_PID"] = str(os.getppid())
        os.environ["LAUREL_QCLUSTER_STARTED"] = timezone.now().isoformat()
        super().start()

    def spawn_process(self, target, *args):
        process = super().spawn_process(target, *args)
        # The sentinel ends a worker that overran Q_TIMEOUT with terminate(), i.e. SIGTERM, which
        # workers now ignore: make it SIGKILL.
        process.terminate = process.kill
        return process

    def spawn_cluster(self):
        super().spawn_cluster()
        if getattr(self, "_heart", None) is None:  # once; a reincarnated worker joins the same queue
            self._heart = threading.Thread(target=self._beat_forever, daemon=True, name="laurel-heartbeat")
            self._heart.start()

    def _beat_forever(self) -> None:
        every = settings.LAUREL_WORKER_HEARTBEAT_SECONDS
        started = datetime.fromisoformat(os.environ["LAUREL_QCLUSTER_STARTED"])
        host, pid = settings.LAUREL_WORKER_HOST, int(os.environ["LAUREL_QCLUSTER_PID"])  # the main process
        while not self.stop_event.is_set():
            task = heartbeat_task(host=host, pid=pid, started_at=started)
            try:
                # Blocks while the queue is full. A busy cluster beats anyway, from its monitor, each time a
                # worker finishes a task; one that neither takes this task nor finishes any has stalled.
                self.task_queue.put(task, timeout=every)
            except (queue.Full, ValueError, OSError, AssertionError):  # full, or closed while stopping
                pass
            if self.stop_event.wait(every):
                return


def process_descendants(pid: int) -> list[int]:
    """Every living descendant of `pid` (Linux /proc), deepest last."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, frontier = [], [pid]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, [])]
        found.extend(frontier)
    return found


class GracefulCluster(q_cluster.Cluster):
    def sig_handler(self, signum, frame):
        seconds = settings.LAUREL_QCLUSTER_STOP_SECONDS
        threading.Thread(target=self._kill_after, args=(seconds,), daemon=True, name="qcluster-stop-deadline").start()
        super().sig_handler(signum, frame)

    def _kill_after(self, seconds: float) -> None:
        if self.sentinel is None:
            return
        self.sentinel.join(seconds)
        if self.sentinel.is_alive():
            leftover = process_descendants(os.getpid())
            logger.warning("qcluster did not stop within %s s; killing %d processes (their work is re-queued "
                           "by the sweep)", seconds, len(leftover))
            for pid in reversed(leftover):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def heartbeat_task(*, host: str, pid: int, started_at) -> dict:
    """A task in django-q2's internal form, for a worker of this cluster only (it never enters the broker)."""
    return {
        "id": uuid.uuid4().hex, "name": f"heartbeat {host}", "func": "issuance.health.worker_beat",
        "args": (host, pid, started_at), "kwargs": {}, "started": timezone.now(),
        "save": False, "timeout": 30, "cluster": settings.Q_CLUSTER["name"],
    }


def graceful_cluster_install() -> None:
    # Cluster.start() names the sentinel class through this module global; only qcluster calls this.
    q_cluster.Sentinel = GracefulSentinel
