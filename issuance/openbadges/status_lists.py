"""Status lists in the database: a random free index per credential, and the signed list on demand."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from courses.models import Organization

from ..inserts import rows_insert_unless_taken
from ..models import Credential, StatusList, StatusListEntry
from .issuer import organization_signer_for
from .sign import credential_sign
from .bitstring import (
    StatusListFullError,
    bitstring_encode,
    status_index_allocate,
    status_list_credential_build,
    status_list_entry_build,
)

Purpose = StatusList.Purpose
# Open the next list once this share of a list is used, so a random draw rarely hits a used index.
FILL_LIMIT = 0.75
_DRAWS = 32
# Which credential status sets the bit in a list of each purpose.
SET_BY = {Purpose.REVOCATION: Credential.Status.REVOKED, Purpose.SUSPENSION: Credential.Status.SUSPENDED}


def status_list_url(*, status_list: StatusList) -> str:
    slug = status_list.organization.slug
    return f"{settings.LAUREL_BASE_URL}/status/{slug}/{status_list.purpose}/{status_list.number}"


def status_entry_credential_status(*, entry: StatusListEntry) -> dict:
    """The `credentialStatus` object a credential carries for this entry."""
    return status_list_entry_build(list_url=status_list_url(status_list=entry.status_list), index=entry.index,
                                   purpose=entry.purpose)


def _open_lists(organization: Organization, issuer_id: str, purposes) -> dict[str, StatusList]:
    """The list that takes each purpose's next entry; two small queries while the current lists have room."""
    current: dict[str, StatusList] = {}
    # Newest first; an organisation has few lists (one per 98,304 credentials or issuer id). The
    # signed list is large and not needed to hand out an index.
    for status_list in (StatusList.objects.filter(organization=organization, purpose__in=purposes)
                        .order_by("-number").defer("signed")):
        current.setdefault(status_list.purpose, status_list)
    used = dict(StatusListEntry.objects.filter(status_list__in=[s.pk for s in current.values()]).order_by()
                .values_list("status_list").annotate(count=Count("pk")))
    lists = {}
    for purpose in purposes:
        status_list = current.get(purpose)
        if (status_list is None or status_list.issuer_id != issuer_id
                or used.get(status_list.pk, 0) >= status_list.size * FILL_LIMIT):
            number = status_list.number + 1 if status_list is not None else 1
            status_list, _ = StatusList.objects.get_or_create(
                organization=organization, purpose=purpose, number=number, defaults={"issuer_id": issuer_id}
            )
        status_list.organization = organization
        lists[purpose] = status_list
    return lists


def status_entry_allocate(*, credential: Credential, organization: Organization, purpose: str,
                          issuer_id: str) -> StatusListEntry:
    """The credential's entry for `purpose`: the one it already has, or a random unused index."""
    existing = StatusListEntry.objects.filter(credential=credential, purpose=purpose).select_related(
        "status_list__organization").first()
    if existing is not None:
        return existing
    status_list = _open_lists(organization, issuer_id, [purpose])[purpose]
    tried: set[int] = set()
    for _ in range(_DRAWS):
        index = status_index_allocate(used=tried, size=status_list.size)
        tried.add(index)
        try:
            with transaction.atomic():
                return StatusListEntry.objects.create(status_list=status_list, index=index, credential=credential,
                                                      purpose=purpose)
        except IntegrityError:
            # The index was taken meanwhile, or another worker gave this credential its entry first.
            existing = StatusListEntry.objects.filter(credential=credential, purpose=purpose).first()
            if existing is not None:
                return existing
    raise StatusListFullError(f"No free index found in {status_list} after {_DRAWS} random draws.")


def status_entries_allocate(*, credential: Credential, organization: Organization,
                            issuer_id: str) -> dict[str, StatusListEntry]:
    """The credential's entry for every purpose; in the usual case two small queries and one insert.

    Call it inside a transaction. If the credential has entries already (a step re-run after a
    crash) or a drawn index is taken, the insert writes what it can and each purpose is done alone.
    """
    lists = _open_lists(organization, issuer_id, Purpose.values)
    entries = [
        StatusListEntry(status_list=status_list, index=status_index_allocate(used=(), size=status_list.size),
                        credential=credential, purpose=purpose)
        for purpose, status_list in lists.items()
    ]
    # One insert that skips what a unique constraint holds, rather than a savepoint around it (issuance/inserts.py).
    if not rows_insert_unless_taken(entries):
        return {
            purpose: status_entry_allocate(credential=credential, organization=organization, purpose=purpose,
                                           issuer_id=issuer_id)
            for purpose in Purpose.values
        }
    return {entry.purpose: entry for entry in entries}


def status_lists_touch(*, credential: Credential) -> None:
    """A credential's status changed: its lists must be signed again before they are served."""
    StatusList.objects.filter(entries__credential=credential).update(signed=None, signed_at=None,
                                                                      version=F("version") + 1)


def status_list_signed(*, status_list: StatusList) -> dict:
    """The signed BitstringStatusListCredential: as stored, or signed now from the current bits."""
    if status_list.signed is not None:
        return status_list.signed
    version = status_list.version
    set_indexes = StatusListEntry.objects.filter(
        status_list=status_list, credential__status=SET_BY[status_list.purpose]
    ).values_list("index", flat=True)
    now = timezone.now()
    document = status_list_credential_build(
        list_url=status_list_url(status_list=status_list), issuer_id=status_list.issuer_id,
        purpose=status_list.purpose, encoded_list=bitstring_encode(set_indexes=set_indexes, size=status_list.size),
        valid_from=now,
    )
    signer = organization_signer_for(organization=status_list.organization, issuer_id=status_list.issuer_id)
    signed = credential_sign(credential=document, private_key=signer.private_key,
                             verification_method=signer.verification_method, created=now)
    # Stored only if no change happened meanwhile; either way this answer reflects what we read.
    StatusList.objects.filter(pk=status_list.pk, version=version).update(signed=signed, signed_at=now)
    return signed


def status_lists_open(*, organization: Organization, issuer_id: str) -> dict[str, StatusList]:
    """The lists the organisation's next credentials take an entry in, opened if it has none yet."""
    return _open_lists(organization, issuer_id, Purpose.values)
