"""Wallet tests: a credential issued by the real pipeline on the live server, and the learner's email link to it."""

import json
import re
import subprocess
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.openbadges.conftest import (VERIFIER_DIR, academy, first_aid, issue, verifier_installed,  # noqa: F401
                                   verify)
from tests.pipeline.conftest import smtp  # noqa: F401 (a fixture)
from stand_ins.smtp import body

from .holder import Holder


@pytest.fixture
def base(live_server, settings):
    """Laurel's base URL is the live server's, so the issuer's did:web and status lists resolve on loopback."""
    settings.LAUREL_BASE_URL = url = f"http://127.0.0.1:{live_server.thread.port}"
    return url


def _node(node, script: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(node), script, *args], cwd=VERIFIER_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), f"{script} crashed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def verify_presentation(verifier_installed, tmp_path):
    """Digital Bazaar's verdict on a signed presentation (Ed25519Signature2020 or eddsa-rdfc-2022)."""
    def run(presentation: dict, *, challenge: str, domain: str | None = None) -> dict:
        path = tmp_path / f"presentation-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(presentation))
        args = ["--presentation", str(path), "--challenge", challenge] + (["--domain", domain] if domain else [])
        return json.loads(_node(verifier_installed, "verify-presentation.mjs", *args).stdout)

    return run


@pytest.fixture
def lcw_signer(verifier_installed):
    """A DIDAuth presentation signed as LCW signs it: Digital Bazaar's vc with Ed25519Signature2020."""
    def sign(*, seed_hex: str, challenge: str, domain: str | None = None) -> dict:
        args = ["--seed", seed_hex, "--challenge", challenge] + (["--domain", domain] if domain else [])
        return json.loads(_node(verifier_installed, "sign-did-auth.mjs", *args).stdout)

    return sign


@pytest.fixture
def holder():
    return Holder()


class Learner:
    """What a learner has: the credential email, and the wallet page its link opens."""

    def __init__(self, smtp, credential):
        self.credential = credential
        (message,) = smtp.to(credential.learner.email)
        self.email_html, self.email_text = body(message, "html"), body(message, "plain")
        self.wallet_url = unescape(re.search(r'href="([^"]+/wallet/[^"]+)"[^>]*>Add to your wallet', self.email_html)[1])

    def wallet_page(self, url: str | None = None) -> str:
        page = requests.get(url or self.wallet_url, timeout=10)
        assert page.status_code == 200, page.text[:500]
        return page.text

    def links(self, page: str | None = None) -> dict[str, str]:
        hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', page or self.wallet_page())]
        return {
            "lcw_app": next(h for h in hrefs if h.startswith("dccrequest://request?")),
            "offer": next(h for h in hrefs if h.startswith("openid-credential-offer://")),
            "interaction": unescape(re.search(r"interaction:(https?://[^\s<]+)", page or self.wallet_page())[1]),
        }

    def lcw_request(self, page: str | None = None) -> dict[str, str]:
        """The DCC deep link's parameters (issuer, auth_type, challenge, vc_request_url)."""
        query = parse_qs(urlsplit(self.links(page)["lcw_app"]).query)
        return {key: values[0] for key, values in query.items()}

    def offer_uri(self, page: str | None = None) -> str:
        return parse_qs(urlsplit(self.links(page)["offer"]).query)["credential_offer_uri"][0]


@pytest.fixture
def learner(base, smtp, issue):  # noqa: F811
    """A learner whose credential was issued and emailed by the pipeline, wallet link and all."""
    return Learner(smtp, issue())
