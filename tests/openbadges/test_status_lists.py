"""Each credential gets a random index in the open list of each purpose, and a list is never overfilled."""

from courses.models import Organization
from issuance.models import StatusListEntry
from issuance.models.status import STATUS_LIST_SIZE
from issuance.openbadges import status_lists


def _lists(credential) -> dict[str, tuple[int, str]]:
    return {
        entry.purpose: (entry.status_list.number, entry.status_list.issuer_id)
        for entry in StatusListEntry.objects.filter(credential=credential).select_related("status_list")
    }


def test_it_opens_the_next_lists_once_the_current_ones_are_filled(issue, monkeypatch):
    monkeypatch.setattr(status_lists, "FILL_LIMIT", 2 / STATUS_LIST_SIZE)  # two entries per list

    credentials = [issue(email=f"learner{n}@learners.example") for n in range(3)]

    numbers = [{purpose: number for purpose, (number, _) in _lists(credential).items()} for credential in credentials]
    assert numbers == [{"revocation": 1, "suspension": 1}] * 2 + [{"revocation": 2, "suspension": 2}]
    assert credentials[2].badge["credentialStatus"]["statusListCredential"].endswith("/status/harbour/revocation/2")


def test_it_opens_new_lists_when_the_issuer_id_changes(issue, academy):
    before = issue(email="first@learners.example")
    Organization.objects.filter(pk=academy.pk).update(issuer_id_method=Organization.IssuerIdMethod.DID_KEY)

    after = issue(email="second@learners.example")

    assert {number for number, _ in _lists(before).values()} == {1}
    assert _lists(after) == {purpose: (2, after.badge["issuer"]["id"]) for purpose in ("revocation", "suspension")}


def test_it_draws_again_when_the_index_it_drew_is_taken(issue, monkeypatch):
    taken = StatusListEntry.objects.get(credential=issue(email="first@learners.example"), purpose="revocation").index
    draws = []
    original = status_lists.status_index_allocate

    def draw_the_taken_index_first(**kwargs):
        draws.append(kwargs)
        return taken if len(draws) == 1 else original(**kwargs)

    monkeypatch.setattr(status_lists, "status_index_allocate", draw_the_taken_index_first)

    credential = issue(email="second@learners.example")

    entries = {entry.purpose: entry.index for entry in StatusListEntry.objects.filter(credential=credential)}
    assert set(entries) == {"revocation", "suspension"} and entries["revocation"] != taken
    assert credential.badge["credentialStatus"]["statusListIndex"] == str(entries["revocation"])
    assert len(draws) > 2  # the first pair failed together, then each purpose drew again
