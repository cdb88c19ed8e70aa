"""The dashboard's "Worker hosts" table in a real browser: every host's last beat, the silent one marked stalled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issuance.models import WorkerHeartbeat


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_lists_every_worker_host_and_marks_the_one_silent_for_over_a_minute(superuser_page, tmp_path):
    now = timezone.now()
    for host, ago in (("worker1", 4), ("worker2", 12), ("worker3", 95)):
        WorkerHeartbeat.objects.create(host=host, pid=100, started_at=now - timedelta(hours=2), beat_at=now - timedelta(seconds=ago))
    page = superuser_page
    page.goto("/admin/")
    rows = page.locator("table.laurel-workers tbody tr")
    assert rows.count() == 3
    cells = [[cell.strip() for cell in rows.nth(n).locator("td").all_inner_texts()] for n in range(3)]
    assert [row[0] for row in cells] == ["worker3", "worker2", "worker1"]  # the longest silent first
    assert cells[0][2].startswith("Stalled: no heartbeat for over 60 s")
    assert cells[0][1].endswith("ago") and cells[0][1].startswith(("95 s", "96 s", "97 s", "98 s"))
    assert [row[2] for row in cells[1:]] == ["Beating", "Beating"]
    assert rows.nth(0).get_attribute("class") == "laurel-worker-stalled"
    page.locator("table.laurel-workers").screenshot(path=str(tmp_path / "worker-hosts.png"))
