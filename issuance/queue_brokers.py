"""django-q2 brokers that can hold a task until it is due, so a retry in 5 s runs in about 5 s.

django-q2 runs a task as soon as a worker is free; its own schedules are looked at only every 30
seconds, too coarse for a first retry in 5 s. The ORM broker already hides a row until its `lock`
time, so a due task is a row locked until then. Redis lists have no such thing: a due task waits in
a sorted set by due time, and every dequeue (the pusher's loop, at least once a second) first moves
the due ones onto the list. The once-a-minute sweeps stay as the safety net for a lost task.
"""

from datetime import datetime

from django_q.brokers import Broker
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ

# Moves every due task (up to 100 a call) from the sorted set onto the list, atomically, so two
# clusters never move the same task twice.
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, task in ipairs(due) do
  redis.call('ZREM', KEYS[1], task)
  redis.call('RPUSH', KEYS[2], task)
end
return #due
"""


class DueRedis(Redis):
    """The Redis broker, plus tasks held in `<list>:due` until their time."""

    def __init__(self, list_key: str = None):
        super().__init__(list_key=list_key)
        self.due_key = f"{self.list_key}:due"
        self._promote = self.connection.register_script(_PROMOTE)

    def enqueue_at(self, task, *, due: datetime):
        return self.connection.zadd(self.due_key, {task: due.timestamp()})

    def due_promote(self) -> int:
        return self._promote(keys=[self.due_key, self.list_key], args=[datetime.now().timestamp()])

    def dequeue(self):
        self.due_promote()
        return super().dequeue()

    def delete_queue(self):
        self.connection.delete(self.due_key)
        return super().delete_queue()


def broker_make(list_key: str = None) -> Broker:
    """The broker Q_CLUSTER's settings choose (ORM when `orm` is set, else Redis), able to hold a task until due."""
    if Conf.ORM:
        return ORM(list_key=list_key or Conf.CLUSTER_NAME)
    return DueRedis(list_key=list_key or Conf.CLUSTER_NAME)


def broker_enqueue_at(broker: Broker, task, *, due: datetime):
    """Put the signed task on `broker` so that no worker takes it before `due`."""
    if isinstance(broker, ORM):
        # The ORM broker hands out rows whose lock is in the past: locked until due, the row waits.
        return OrmQ.objects.using(Conf.ORM).create(key=broker.list_key or Conf.CLUSTER_NAME, payload=task, lock=due).pk
    if isinstance(broker, DueRedis):
        return broker.enqueue_at(task, due=due)
    return broker.enqueue(task)  # a broker that cannot wait: it runs early, finds nothing due, and the sweep carries on
