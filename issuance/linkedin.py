"""LinkedIn's "Add to profile" link for a certification, with its fields filled in."""

from datetime import datetime
from urllib.parse import urlencode

ADD_TO_PROFILE_URL = "https://www.linkedin.com/profile/add"


def linkedin_add_to_profile_url(
    *,
    name: str,
    cert_url: str,
    cert_id: str,
    issued_at: datetime,
    expires_at: datetime | None = None,
    organization_name: str = "",
    organization_id: str = "",
) -> str:
    """The deep link that opens LinkedIn's "Add license or certification" form pre-filled.

    LinkedIn takes exactly one of organizationId (links the company page and logo) or
    organizationName; the id wins when both are known. Empty values are left out, because an
    empty parameter pre-fills an empty field the learner would have to notice and fix.
    """
    if not (organization_id or organization_name):
        raise ValueError("A LinkedIn certification needs the issuing organisation's LinkedIn id or name.")
    params = [("startTask", "CERTIFICATION_NAME"), ("name", name)]
    params.append(("organizationId", organization_id) if organization_id else ("organizationName", organization_name))
    params += [("issueYear", str(issued_at.year)), ("issueMonth", str(issued_at.month))]
    if expires_at is not None:
        params += [("expirationYear", str(expires_at.year)), ("expirationMonth", str(expires_at.month))]
    params += [("certUrl", cert_url), ("certId", cert_id)]
    return f"{ADD_TO_PROFILE_URL}?{urlencode([(key, value) for key, value in params if value])}"
