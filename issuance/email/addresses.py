"""International addresses on the wire: domains as IDNA A-labels, non-ASCII local parts only over SMTPUTF8.

`ana@bücher.example` is sent as `ana@xn--bcher-kva.example`, which every mail server takes. A
local part such as `siobhán.oreilly` has no ASCII form: it needs a server that offers SMTPUTF8
(RFC 6531), and is refused with that reason, permanently, by one that does not.
"""

from email.headerregistry import Address
from email.utils import formataddr

import idna


def address_ascii_domain(address: str) -> str:
    """`address` with its domain as IDNA 2008 A-labels (punycode); the local part as it is."""
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"


def address_needs_smtputf8(address: str) -> bool:
    return not address.rpartition("@")[0].isascii()


def recipient_header(*, name: str, address: str) -> str:
    """The To header for one recipient: `Name <local@a-label>`, UTF-8 as it is when the local part needs it."""
    address = address_ascii_domain(address)
    if not address_needs_smtputf8(address):
        return formataddr((name, address)) if name else address
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain)) if name else address


def smtputf8_missing_message(addresses: list[str]) -> str:
    return (
        f"The mail server does not offer SMTPUTF8, which sending to {', '.join(addresses)} needs "
        "(the part before the @ is not ASCII). Send through a server that offers SMTPUTF8, "
        "or correct the learner's address."
    )
