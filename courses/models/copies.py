"""Who else gets the credential email: the learner's manager and fixed addresses, set per organisation or course."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

MAX_FIXED_COPIES = 10


def copy_addresses_parse(text: str) -> list[str]:
    """The fixed addresses as typed: one per line, or separated by commas or semicolons; duplicates once."""
    seen, addresses = set(), []
    for part in (text or "").replace(";", "\n").replace(",", "\n").splitlines():
        address = part.strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    return addresses


def validate_copy_addresses(text: str) -> None:
    addresses = copy_addresses_parse(text)
    if len(addresses) > MAX_FIXED_COPIES:
        raise ValidationError(f"At most {MAX_FIXED_COPIES} fixed addresses; {len(addresses)} were given.")
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError("Not an email address: " + ", ".join(repr(address) for address in bad) + ".")


class CopySettings(models.Model):
    """The copy fields an organisation has, and a course has to override them."""

    copy_manager = models.BooleanField(
        "copy the learner's manager", default=False,
        help_text="Send a copy to the address in the completion's manager email field "
                  "(data.learner.manager_email, a manager_email column, or a mapping's fields.extra.manager_email).",
    )
    copy_to = models.TextField(
        "also copy", blank=True, validators=[validate_copy_addresses],
        help_text="Fixed addresses that get a copy of every credential email (HR, a training coordinator): "
                  f"one per line, at most {MAX_FIXED_COPIES}.",
    )
    copy_attach_pdf = models.BooleanField(
        "attach the PDF to copies", default=False, help_text="Off: the copy links to the credential's page only.",
    )

    class Meta:
        abstract = True

    @property
    def copy_addresses(self) -> list[str]:
        return copy_addresses_parse(self.copy_to)
