"""One set of merge-field names for certificates and emails, and the older names kept as aliases.

Certificates said `issue_date` / `expiry_date` where the credential email said `issued_on` /
`expires_on`. The certificate names are the names now, in both; the email names still work in both,
with the same values, so no saved template breaks (docs/certificates.md, docs/delivery.md).
"""

FIELD_ALIASES: dict[str, str] = {
    "issued_on": "issue_date",
    "expires_on": "expiry_date",
}


def with_aliases(context: dict) -> dict:
    """`context` plus each alias whose field it has, carrying the same value."""
    extra = {alias: context[name] for alias, name in FIELD_ALIASES.items() if name in context and alias not in context}
    return {**context, **extra}


def spec_with_aliases(spec: dict) -> dict:
    """A sandbox field spec that also allows each alias of a field it allows."""
    extra = {alias: spec[name] for alias, name in FIELD_ALIASES.items() if name in spec and alias not in spec}
    return {**spec, **extra}
