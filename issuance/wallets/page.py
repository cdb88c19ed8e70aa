"""The learner's wallet page: both offers as QR codes and links, reached only through the learner's own link."""

from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_POST

from ..certificates.qr import qr_code_data_uri
from ..models import Credential, WalletOffer
from ..openbadges.issuer import organization_signer
from .addresses import credential_offer_link, lcw_deep_links, lcw_interaction_url, wallet_page_url
from .offers import LinkCodes, wallet_link_create, wallet_link_offers

STAFF_OR_LEARNER_PAGE = "the learner's wallet page"
NO_PAGE = gettext_noop("No wallet page at this address.")
NO_NEW_OFFERS = gettext_noop("This wallet link can no longer make new offers: the credential is no longer valid, or the "
                             "link has expired.")


class _Gone(Exception):
    """A wallet address that shows nothing: answered 404 with `message`, in `language` (None: the visitor's)."""

    def __init__(self, message: str, language: str | None = None):
        super().__init__(message)
        self.message, self.language = message, language


def _private(response):
    # The address is the learner's key: never cached, never sent on as a Referer, never indexed.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone_page(request, gone: _Gone):
    """The 404 a learner reads: Laurel's page in the credential's language, or the visitor's when none is known."""
    language = gone.language or translation.get_language_from_request(request)
    with translation.override(language):
        response = render(request, "laurel/public/wallet_gone.html", {"message": gettext(gone.message)}, status=404)
    response["Content-Language"] = language
    return _private(response)


def _offer_state(offer: WalletOffer, credential: Credential) -> str:
    if credential.status != Credential.Status.ACTIVE:
        return "inactive"
    if offer.expires_at <= timezone.now():
        return "expired"
    if offer.protocol == WalletOffer.Protocol.OID4VCI and offer.code_redeemed_at:
        return "claimed"
    return "claimed-open" if offer.holder_did else "open"


def _offers_or_gone(credential_id, key: str) -> tuple[Credential, dict[str, WalletOffer]]:
    offers = wallet_link_offers(credential_id=credential_id, key=key)
    if not offers:
        raise _Gone(NO_PAGE)  # no credential is known from this address: the visitor's language
    credential = next(iter(offers.values())).credential
    credential = Credential.objects.select_related("issuance__organization", "achievement").get(pk=credential.pk)
    return credential, offers


@require_GET
def wallet_page(request, credential_id, key):
    try:
        credential, offers = _offers_or_gone(credential_id, key)
    except _Gone as gone:
        return _gone_page(request, gone)
    organization = credential.issuance.organization
    codes = LinkCodes(key)
    lcw_offer, oid_offer = offers.get(WalletOffer.Protocol.LCW), offers.get(WalletOffer.Protocol.OID4VCI)
    issuer = (credential.badge or {}).get("issuer") or organization_signer(organization=organization).issuer_id
    links = lcw_deep_links(issuer_id=issuer["id"] if isinstance(issuer, dict) else issuer,
                           code=codes.lcw_code, challenge=codes.lcw_challenge)
    offer_link = credential_offer_link(organization=organization, code=codes.pre_authorized_code)
    context = {
        "credential": credential, "organization": organization, "achievement": credential.achievement,
        "learner_name": credential.issuance.learner_name,
        "brand": organization.primary_color, "accent": organization.accent_color,
        "lcw": {"offer": lcw_offer, "state": _offer_state(lcw_offer, credential), "link": links["universal"],
                "app_link": links["app"], "interaction": "interaction:" + lcw_interaction_url(code=codes.lcw_code),
                "qr": qr_code_data_uri(links["universal"])},
        "oid4vci": {"offer": oid_offer, "state": _offer_state(oid_offer, credential), "link": offer_link,
                    "qr": qr_code_data_uri(offer_link), "tx_code": codes.tx_code if oid_offer.tx_code_hash else ""},
        "expires_at": lcw_offer.expires_at,
        "can_renew": credential.status == Credential.Status.ACTIVE and lcw_offer.expires_at > timezone.now(),
    }
    # The learner's own page for one credential: in the credential's language, whatever the browser asks for.
    language = credential.issuance.language
    with translation.override(language):
        response = render(request, "laurel/public/wallet.html", context)
    response["Content-Language"] = language
    return _private(response)


@require_POST
def wallet_link_renew(request, credential_id, key):
    """A fresh pair of offers (for another wallet, or after the OpenID4VCI code was used), from a live link."""
    try:
        credential, offers = _offers_or_gone(credential_id, key)
    except _Gone as gone:
        return _gone_page(request, gone)
    if credential.status != Credential.Status.ACTIVE or min(o.expires_at for o in offers.values()) <= timezone.now():
        return _gone_page(request, _Gone(NO_NEW_OFFERS, language=credential.issuance.language))
    new_key = wallet_link_create(credential=credential, created_by=STAFF_OR_LEARNER_PAGE)
    return redirect(wallet_page_url(credential_id=credential.pk, key=new_key))
