"""A wallet claim is counted once, when the learner's wallet takes the credential (OpenID4VCI, as a wallet does it)."""

from tests.wallets.conftest import base, holder, learner  # noqa: F401 (fixtures)
from tests.wallets.oid4vci_client import resolve_offer
from tests.wallets.test_oid4vci import _token

from .conftest import counts


def test_it_counts_a_wallets_claim_once_and_not_a_refused_second_attempt(learner, holder):  # noqa: F811
    issuer = resolve_offer(learner.offer_uri())
    access_token, nonce = _token(issuer), issuer.nonce()
    audience = issuer.metadata["credential_issuer"]

    first = issuer.credential(access_token=access_token, proofs={"jwt": [holder.jwt_proof(audience=audience, nonce=nonce)]})
    assert first.status_code == 200, first.text
    assert counts(learner.credential)["wallet_claims"] == 1

    again = issuer.credential(access_token=access_token,
                              proofs={"jwt": [holder.jwt_proof(audience=audience, nonce=issuer.nonce())]})
    assert again.status_code == 401  # the access token was used
    assert counts(learner.credential)["wallet_claims"] == 1
