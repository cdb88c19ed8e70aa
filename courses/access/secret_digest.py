"""What Laurel stores of a secret it must recognise but never show again: its SHA-256, in hex.

Invitation links, organisations' API keys, staff users' API tokens and the wallet offers' codes, challenges and one-time
values are all kept this way; each looks a secret up by this digest and compares it again in
constant time.
"""

import hashlib


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
