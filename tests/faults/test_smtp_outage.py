"""The mail server goes away for 45 seconds while 100 completions are being delivered, then comes back.

The outbox retries on its own schedule (docs/decisions/0003: 1 min, 5 min, 30 min, 2 h, 6 h), shortened
here to 4, 8, 16, 32 and 64 s: the same proportions as a two-hour outage under the real schedule, so
the outage spans several retries of the same email and the run ends in a minute or two, not hours. Afterwards every learner has their email, and none has it twice: a refused connection is a
failure whose outcome is known, so nothing is flagged as a possible duplicate.
"""

import time

import pytest
from django_q.brokers import get_broker

from issuance.models import OutboxMessage
from tests.faults.completions import Sweeper, all_finished, assert_each_processed_once, completions_start, profile_broker
from tests.pipeline.cluster import Cluster, wait_until

COMPLETIONS = 100
OUTAGE_SECONDS = 45
RETRY_SECONDS = "4,8,16,32,64"  # 4 + 8 + 16 < 45: an email first refused as the outage starts is refused 4 times


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_delivers_every_email_once_after_an_smtp_outage_spanning_several_retries(smtp, course, tmp_path, monkeypatch):
    broker = profile_broker()
    cluster = Cluster(broker=broker, smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch,
                      env={"LAUREL_OUTBOX_RETRY_SECONDS": RETRY_SECONDS, "EMAIL_TIMEOUT": "5"}).start()
    sweeper = Sweeper()
    try:
        issuances = completions_start(course, COMPLETIONS)
        assert wait_until(lambda: len(smtp.messages) >= 5, timeout=120), "no email arrived before the outage"
        smtp.stop()
        before_outage = len(smtp.messages)
        down_until = time.monotonic() + OUTAGE_SECONDS
        # The pipeline keeps moving (certificates, badges) while every send is refused.
        done_during_outage = all_finished(sweeper=sweeper, timeout=OUTAGE_SECONDS)
        assert not done_during_outage, "everything finished although the mail server was down"
        time.sleep(max(0.0, down_until - time.monotonic()))
        refused_during_outage = OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED, attempts__gte=3).count()
        smtp.start()  # the same port: the relay is back

        done = all_finished(sweeper=sweeper, timeout=240)
    finally:
        cluster.stop()
        if broker == "redis":
            get_broker().delete_queue()

    assert done, "not every completion finished after the mail server came back"
    assert before_outage < COMPLETIONS
    assert refused_during_outage > 0, "no email was refused three times or more during the outage"
    duplicates = assert_each_processed_once(issuances, smtp)
    attempts = sorted(OutboxMessage.objects.values_list("attempts", flat=True))
    print(f"\n[{broker}] emails before the outage={before_outage}, most attempts for one email={attempts[-1]}, "
          f"emails refused 3+ times during the outage={refused_during_outage}, re-queued by the sweep={len(sweeper.swept)}")
    assert duplicates == 0
    assert not OutboxMessage.objects.filter(possible_duplicate=True).exists()
