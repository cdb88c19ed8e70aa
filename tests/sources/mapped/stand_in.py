"""A sender on 127.0.0.1 that signs as each system documents it, written from the documentation, not from Laurel's code.

The test vectors of the integration notes (§10, signature schemes at a glance) are checked against
these functions, so a delivery they sign is signed the way the real system signs it.
"""

import base64
import hashlib
import hmac
import json

import requests

VECTOR_BODY = b'{"event_id":"01HZX5K9Q2","event_type":"form_response"}'
VECTOR_SECRET = "laurel-demo-secret"
VECTORS = {
    "typeform": "sha256=ca4Vb0xz+X/7NRTEVfSKzRrmj8u8bgqa7RhqJ6ivsyY=",
    "northpass": "ca4Vb0xz+X/7NRTEVfSKzRrmj8u8bgqa7RhqJ6ivsyY=",
    "absorb": "71ae156f4c73f97ffb3514c455f48acd1ae68fcbbc6e0a9aed186a27a8afb326",
    "ispring": "bd5afeec06e1e75ffbb39f3e45ae49dc58fb9adc538a5d6a7f0611949ffc1e5b",
}
STANDARD_VECTOR = {
    "secret": "whsec_bGF1cmVsLTM2MC1kZW1vLXNpZ25pbmcta2V5LTMyYiE=", "id": "msg_demo_0002", "timestamp": "1767225600",
    "signature": "v1,rtD/TapKFB8TpT5sTmElxlOnZv9Ot71qFV9SQ3ZyRx4=",
}


def typeform_signature(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def northpass_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def absorb_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def ispring_signature(secret: str, body: bytes) -> str:
    return hashlib.sha256(body + secret.encode()).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return "v1," + base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()


class Sender:
    """Posts to a source's intake on the live server, as the system would."""

    def __init__(self, base_url: str, slug: str):
        self.url = f"{base_url}/api/v1/sources/{slug}/events"

    def post(self, body, *, headers=None, content_type="application/json", suffix="", files=None):
        data = body if isinstance(body, (bytes, str)) or files or isinstance(body, dict) and content_type != "application/json" else json.dumps(body).encode()
        send_headers = dict(headers or {})
        if not files and content_type:
            send_headers["Content-Type"] = content_type
        return requests.post(self.url + suffix, data=data, files=files, headers=send_headers, timeout=30)
