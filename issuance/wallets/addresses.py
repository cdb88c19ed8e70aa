"""Every address a wallet is given: the LCW deep links and exchange, the OpenID4VCI issuer, its metadata and offers."""

from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

from courses.models import Organization

LCW_DEEP_LINK = "https://lcw.app/request.html"
LCW_APP_LINK = "dccrequest://request"
OFFER_SCHEME = "openid-credential-offer://"
ISSUER_METADATA_WELL_KNOWN = "/.well-known/openid-credential-issuer"
AUTHORIZATION_SERVER_WELL_KNOWN = "/.well-known/oauth-authorization-server"


def credential_issuer_id(*, organization: Organization) -> str:
    """The organisation's Credential Issuer Identifier: one issuer per tenant, told apart by path."""
    return f"{settings.LAUREL_BASE_URL}/oid4vci/{organization.slug}"


def _well_known(identifier: str, suffix: str) -> str:
    # OpenID4VCI and RFC 8414 insert the well-known segment between the host and the identifier's path.
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}{suffix}{parts.path.rstrip('/')}"


def issuer_metadata_url(*, organization: Organization) -> str:
    return _well_known(credential_issuer_id(organization=organization), ISSUER_METADATA_WELL_KNOWN)


def authorization_server_metadata_url(*, organization: Organization) -> str:
    return _well_known(credential_issuer_id(organization=organization), AUTHORIZATION_SERVER_WELL_KNOWN)


def credential_offer_uri(*, organization: Organization, code: str) -> str:
    return f"{credential_issuer_id(organization=organization)}/offers/{code}"


def credential_offer_link(*, organization: Organization, code: str) -> str:
    """`openid-credential-offer://?credential_offer_uri=…`, the offer passed by reference."""
    return OFFER_SCHEME + "?" + urlencode({"credential_offer_uri": credential_offer_uri(organization=organization,
                                                                                        code=code)})


def lcw_exchange_url(*, code: str) -> str:
    return f"{settings.LAUREL_BASE_URL}/wallets/lcw/exchanges/{code}"


def lcw_interaction_url(*, code: str) -> str:
    """The VCALM interaction URL (LCW 2.2 and later GET it for `protocols.vcapi`)."""
    return f"{settings.LAUREL_BASE_URL}/wallets/lcw/interactions/{code}?iuv=1"


def lcw_deep_links(*, issuer_id: str, code: str, challenge: str) -> dict[str, str]:
    """The DCC request deep link, as a universal link (any LCW version) and as the app's own scheme."""
    query = urlencode({"issuer": issuer_id, "auth_type": "bearer", "challenge": challenge,
                       "vc_request_url": lcw_exchange_url(code=code), "vp_version": "1.1"}, quote_via=quote)
    return {"universal": f"{LCW_DEEP_LINK}?{query}", "app": f"{LCW_APP_LINK}?{query}"}


def wallet_page_url(*, credential_id, key: str) -> str:
    return f"{settings.LAUREL_BASE_URL}/credentials/{credential_id}/wallet/{key}"


def exchange_domain() -> str:
    """The domain a presentation request names, and a wallet's proof must repeat: Laurel's host."""
    return urlsplit(settings.LAUREL_BASE_URL).netloc
