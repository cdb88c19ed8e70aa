"""An OpenID4VCI 1.0 wallet's side of the pre-authorized code flow, step by step, over real HTTP."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def well_known(identifier: str, suffix: str) -> str:
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{suffix}{parts.path}"


@dataclass
class Issuer:
    offer: dict
    metadata: dict
    authorization_server: dict

    @property
    def code(self) -> str:
        return self.offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]

    def token(self, *, code: str | None = None, tx_code: str | None = None) -> requests.Response:
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code or self.code}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return requests.post(self.authorization_server["token_endpoint"], data=form, timeout=10)

    def nonce(self) -> str:
        reply = requests.post(self.metadata["nonce_endpoint"], timeout=10)
        assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store", reply.text
        return reply.json()["c_nonce"]

    def credential(self, *, access_token: str, proofs: dict, configuration: str | None = None) -> requests.Response:
        body = {"credential_configuration_id": configuration or self.offer["credential_configuration_ids"][0],
                "proofs": proofs}
        return requests.post(self.metadata["credential_endpoint"], json=body,
                             headers={"Authorization": f"Bearer {access_token}"}, timeout=30)


def resolve_offer(offer_uri: str) -> Issuer:
    """Fetch the offer by reference, then the issuer's metadata and its authorization server's (RFC 8414)."""
    offer = requests.get(offer_uri, timeout=10)
    assert offer.status_code == 200, offer.text
    offer = offer.json()
    issuer = offer["credential_issuer"]
    metadata = requests.get(well_known(issuer, "openid-credential-issuer"), timeout=10).json()
    assert metadata["credential_issuer"] == issuer
    server = metadata.get("authorization_servers", [issuer])[0]
    authorization_server = requests.get(well_known(server, "oauth-authorization-server"), timeout=10).json()
    assert authorization_server["issuer"] == server
    return Issuer(offer=offer, metadata=metadata, authorization_server=authorization_server)
