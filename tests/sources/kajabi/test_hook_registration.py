"""Laurel registers Kajabi's tag_added hooks itself, one per mapped tag, through a stand-in of Kajabi's API (/v1/hooks)."""

import io

import pytest
import requests
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from issuance.models import CompletionEvent, Source, SourceCourseMapping
from stand_ins.lms import KajabiServer

from ..conftest import event_outcome
from .test_tag_hook import CLIENT_ID, CLIENT_SECRET, HOOK, SECRET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]


@pytest.fixture
def kajabi():
    server = KajabiServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    server.contact_tags["88412"] = [("5531", "laurel-complete-safety-101")]
    yield server
    server.stop()


@pytest.fixture
def add(org, course, kajabi, live_server, settings):
    settings.LAUREL_BASE_URL = live_server.url  # the address Kajabi is told to post to

    def run(*extra, secret=SECRET, client_secret=CLIENT_SECRET):
        out = io.StringIO()
        call_command("source_add", "--org", org.slug, "--slug", "academy-kajabi", "--dialect", "kajabi", "--secret", secret,
                     "--setting", f"client_id={CLIENT_ID}", "--setting", f"client_secret={client_secret}",
                     "--setting", f"api_url={kajabi.url}", *extra, stdout=out)
        return out.getvalue()

    return run


def ours(kajabi) -> dict:
    return {hook["attributes"]["resource_id"]: (hook["attributes"]["target_url"], hook["site"]) for hook in kajabi.hooks.values()}


def test_source_add_registers_a_hook_per_mapped_tag_that_delivers_to_the_secret_address(add, kajabi, live_server, task_queue):
    out = add("--map", "5531=SAF-101", "--map", "5532=SAF-101")
    address = f"{live_server.url}/api/v1/sources/academy-kajabi/events/{SECRET}"
    assert ours(kajabi) == {"5531": (address, "2041"), "5532": (address, "2041")}
    assert "Kajabi hook for tag 5531: registered, hook 701" in out and "Kajabi hook for tag 5532: registered, hook 702" in out
    assert "Kajabi hook for tag 5531: kept" in add()  # idempotent: nothing registered twice
    assert len(kajabi.hooks) == 2
    # Kajabi fires the hook as registered: the delivery is received, confirmed and issued.
    [target] = {hook["attributes"]["target_url"] for hook in kajabi.hooks.values()}
    response = requests.post(target, json=HOOK, timeout=30)
    assert response.status_code == 202
    assert event_outcome(task_queue, response.json()["event"]).status == "processed"


def test_an_unmapped_tag_and_an_earlier_secret_lose_their_hooks(add, kajabi, org):
    add("--map", "5531=SAF-101", "--map", "5532=SAF-101")
    kajabi.hooks["999"] = {"attributes": {"target_url": "https://elsewhere.example/hook", "event": "tag_added", "resource_id": "5531"}, "site": "2041"}
    SourceCourseMapping.objects.filter(external_id="5532").delete()
    out = add(secret="kajabi-secret-address-rotated-77")
    assert "tag 5532: removed, hook 702: its tag is no longer mapped" in out
    assert "tag 5531: removed, hook 701: it posts to an earlier secret address" in out and "tag 5531: registered, hook 703" in out
    assert ours(kajabi)["5531"][0].endswith("/events/kajabi-secret-address-rotated-77")
    assert "999" in kajabi.hooks  # a hook that is not Laurel's is left alone


def test_a_refused_key_or_an_unreachable_kajabi_keeps_the_source_and_says_so(add, kajabi):
    with pytest.raises(CommandError, match="saved, but no Kajabi hook was registered: Kajabi refused Laurel's API key"):
        add("--map", "5531=SAF-101", client_secret="kajabi-client-secret-wrong")
    assert Source.objects.filter(slug="academy-kajabi").exists() and kajabi.hooks == {}
    kajabi.sites = ["2041", "2042"]
    with pytest.raises(CommandError, match="reaches 2 Kajabi sites; set site_id"):
        add()
    assert "hook for tag 5531: registered" in add("--setting", "site_id=2042")
    assert ours(kajabi)["5531"][1] == "2042"
    assert "Kajabi hook" not in add("--no-hooks")
    kajabi.stop()
    with pytest.raises(CommandError, match="Kajabi's API did not answer"):
        add()


def test_the_admin_registers_them_from_the_source_page(add, kajabi, client):
    add("--no-hooks", "--map", "5531=SAF-101")
    source = Source.objects.get(slug="academy-kajabi")
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    page = client.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert 'data-object-action="register_kajabi_hooks"' in page
    answer = client.post("/admin/issuance/source/", {"action": "register_kajabi_hooks", "_selected_action": [source.pk]}, follow=True)
    text = answer.content.decode()
    assert "Kajabi · tag 5531: registered, hook 701" in text or "tag 5531: registered, hook 701" in text
    assert list(ours(kajabi)) == ["5531"]
    assert CompletionEvent.objects.count() == 0
