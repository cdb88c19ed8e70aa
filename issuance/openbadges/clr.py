"""Build an unsigned 1EdTech CLR 2.0 ClrCredential (VC Data Model 2.0) around credentials already signed."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from .credential import CredentialInputError, _absolute_iri, _text
from .loader import CLR_V2P0_CONTEXT_URL, CREDENTIALS_V2_URL, OB_V3P0_CONTEXT_URL
from .sign import datetime_xsd

# The order CLR 2.0 and its JSON schema want: VC 2.0, then CLR, then OB 3.0 (Achievement, Profile, IdentityObject).
CLR_CONTEXTS = (CREDENTIALS_V2_URL, CLR_V2P0_CONTEXT_URL, OB_V3P0_CONTEXT_URL)
# CLR 2.0's AssociationType vocabulary.
ASSOCIATION_TYPES = ("exactMatchOf", "isChildOf", "isParentOf", "isPartOf", "isPeerOf", "isRelatedTo", "precedes",
                     "replacedBy")


def clr_association(*, association_type: str, source_id: str, target_id: str) -> dict:
    """"source is part of target", "source precedes target": a relation between two achievements by their ids."""
    if association_type not in ASSOCIATION_TYPES:
        raise CredentialInputError(f"association_type must be one of {ASSOCIATION_TYPES}; got {association_type!r}.")
    return {"type": "Association", "associationType": association_type,
            "sourceId": _absolute_iri(source_id, "association sourceId"),
            "targetId": _absolute_iri(target_id, "association targetId")}


def clr_credential_build(
    *,
    credential_id: str,
    issuer: Mapping,
    name: str,
    description: str | None = None,
    valid_from: datetime,
    subject_identifier: Sequence[Mapping],
    credentials: Sequence[Mapping],
    achievements: Sequence[Mapping] = (),
    associations: Sequence[Mapping] = (),
) -> dict:
    """An unsigned ClrCredential; sign it with `sign.credential_sign`.

    `credentials` are signed AchievementCredentials embedded exactly as issued, so each still verifies on
    its own; the record's signature covers them too. The learner is named as the embedded credentials
    name them (`identifier`, a hashed email), never by a plain address. No `credentialSchema`, for the
    reason `credential.open_badge_credential_build` gives.
    """
    if not credentials:
        raise CredentialInputError("A ClrCredential holds at least one verifiable credential.")
    for embedded in credentials:
        if not embedded.get("proof"):
            raise CredentialInputError(f"Embedded credential {embedded.get('id')!r} is not signed.")
    if not subject_identifier:
        raise CredentialInputError("The ClrSubject needs an identifier: CLR 2.0 asks for an id or an identifier.")
    achievement_ids = {a.get("id") for a in achievements}
    for association in associations:
        missing = {association["sourceId"], association["targetId"]} - achievement_ids
        if missing:
            raise CredentialInputError(f"Association names achievements not in the record: {sorted(missing)}.")
    subject = {"type": ["ClrSubject"], "identifier": [dict(i) for i in subject_identifier],
               "verifiableCredential": [dict(c) for c in credentials]}
    if achievements:
        subject["achievement"] = [dict(a) for a in achievements]
    if associations:
        subject["association"] = [dict(a) for a in associations]
    record = {
        "@context": list(CLR_CONTEXTS),
        "id": _absolute_iri(credential_id, "credential_id"),
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": dict(issuer),
        "validFrom": datetime_xsd(valid_from),
        "name": _text(name, "name"),
        "credentialSubject": subject,
    }
    if description:
        record["description"] = description
    return record
