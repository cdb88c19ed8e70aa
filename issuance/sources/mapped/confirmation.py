"""A mapped source's confirmation: one request to the sender's API that must agree before a completion is accepted.

For senders that cannot sign (Jotform): the delivery names a submission, and Laurel asks the sender's
API, with the source's `confirmation_api_key`, whether it exists, through the outgoing-request guard.
`url` holds paths of the delivery in braces (`…/submission/{submissionID}`); the answer must be 2xx
and, when `agree_path` is given, hold at that path the value the delivery holds at `agree_with`.
"""

import re
from urllib.parse import quote

from ...outgoing.guard import OutboundRequestError, ResponseTooLarge, TargetRefused, guarded_request
from ..base import EnrichmentFailed, source_setting
from .paths import path_get

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
MAX_RESPONSE_BYTES = 512 * 1024


def confirmation_url(url: str, delivery) -> str:
    def fill(match):
        value = path_get(delivery, match.group(1))
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            raise EnrichmentFailed(f"The confirmation address needs {match.group(1)}, which this delivery lacks.",
                                   code="confirmation_unavailable", field=match.group(1))
        return quote(str(value), safe="")

    return PLACEHOLDER.sub(fill, url)


def delivery_confirm(*, source, confirmation: dict, delivery) -> None:
    """Return when the sender's API agrees; EnrichmentFailed (parked, or retried when transient) when it does not."""
    key = source_setting(source, "confirmation_api_key")
    if not key:
        raise EnrichmentFailed("This source confirms each delivery through the sender's API, but has no confirmation_api_key.",
                               code="confirmation_unconfigured")
    url = confirmation_url(confirmation["url"], delivery)
    try:
        response = guarded_request("GET", url, headers={confirmation["header"]: key}, max_bytes=MAX_RESPONSE_BYTES)
    except TargetRefused as exc:
        raise EnrichmentFailed(f"Laurel may not call the confirmation address: {exc}", code="confirmation_refused") from None
    except ResponseTooLarge:
        raise EnrichmentFailed("The sender's API answered with more than Laurel reads.", code="confirmation_bad_response") from None
    except OutboundRequestError as exc:
        raise EnrichmentFailed(f"The sender's API did not answer: {exc}", code="confirmation_unavailable", transient=True) from None
    if response.status in (401, 403):
        raise EnrichmentFailed(f"The sender's API refused confirmation_api_key ({response.status}).", code="confirmation_key_refused")
    if response.status >= 500 or response.status == 429:
        raise EnrichmentFailed(f"The sender's API answered {response.status}.", code="confirmation_unavailable", transient=True)
    if not 200 <= response.status < 300:
        raise EnrichmentFailed(f"The sender's API does not know this delivery (it answered {response.status}): not accepted.",
                               code="confirmation_disagrees")
    if confirmation.get("agree_path"):
        try:
            answer = response.json()
        except ValueError:
            raise EnrichmentFailed("The sender's API answered something that is not JSON.", code="confirmation_bad_response") from None
        found, sent = path_get(answer, confirmation["agree_path"]), path_get(delivery, confirmation["agree_with"])
        if found is None or str(found) != str(sent):
            raise EnrichmentFailed(f"The sender's API holds {found!r} at {confirmation['agree_path']}, not {sent!r}: not accepted.",
                                   code="confirmation_disagrees")
