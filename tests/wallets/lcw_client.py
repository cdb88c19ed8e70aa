"""The Learner Credential Wallet's two requests, as the DCC deep link and the VC-API exchange make them."""

import requests

from .holder import Holder


def deep_link_claim(*, request: dict, holder: Holder, challenge: str | None = None, **proof) -> requests.Response:
    """POST the DIDAuth presentation (the link's challenge, no domain) to vc_request_url."""
    assert request["auth_type"] == "bearer"
    presentation = holder.did_auth_presentation(challenge=challenge or request["challenge"], **proof)
    return requests.post(request["vc_request_url"], json=presentation, timeout=30)


def exchange_start(*, interaction_url: str) -> tuple[str, dict]:
    """GET the interaction URL for its vcapi exchange, POST {} to it: (exchange URL, the presentation request)."""
    protocols = requests.get(interaction_url, headers={"Accept": "application/json"}, timeout=10)
    assert protocols.status_code == 200, protocols.text
    exchange = protocols.json()["protocols"]["vcapi"]
    started = requests.post(exchange, json={}, timeout=10)
    assert started.status_code == 200, started.text
    return exchange, started.json()["verifiablePresentationRequest"]
