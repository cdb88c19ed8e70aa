"""Laurel's own text for learners ships in 10 languages: every catalogue reads, has no fuzzy or empty entry,
keeps each message's placeholders, covers every string of the learner-facing templates, and its committed .mo
is exactly what the .po compiles to (so a fresh machine needs no gettext)."""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

from courses.templating.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
FOLDERS = {code: code.replace("-", "_") for code in LANGUAGES}
# What a learner reads: the emails Laurel ships (not the staff digest), their layout, and the pages tied to a credential.
COVERED = sorted(
    [p for p in (ROOT / "templates/laurel/defaults/email").iterdir() if not p.name.startswith("staff_digest")]
    + [ROOT / "templates/laurel/email/layout.html"]
    + [ROOT / "templates/laurel/defaults" / name for name in ("certificate-classic.html", "certificate-modern.html")]
    + [ROOT / "templates/laurel/public" / name
       for name in ("base.html", "credential.html", "verify.html", "wallet.html", "wallet_gone.html", "me.html", "me_door.html")]
    # The learner page's own emails: the sign-in link, the copy of their data, a wrong-name report declined.
    + [ROOT / "templates/laurel/email" / name
       for name in ("me_sign_in.html", "me_sign_in.txt", "me_data_copy.html", "me_data_copy.txt",
                    "me_name_declined.html", "me_name_declined.txt")]
)
COVERED_PYTHON = [ROOT / "issuance/email/messages.py", ROOT / "issuance/email/render.py",
                  ROOT / "issuance/public/verify_file.py", ROOT / "issuance/wallets/page.py"] + sorted(
    # What the verify page says about a file: its refusals and the verifier's problem titles.
    ROOT / "issuance/verification" / name for name in ("files.py", "uploads.py", "presented.py", "ob2_hosted.py")) + [
    # What the verify page's readers say about a PDF or PNG that is not a credential's.
    ROOT / "issuance/certificates/pdfa.py", ROOT / "issuance/openbadges/ob2.py",
    # Why a signature does not verify, and why another issuer's key or status list could not be read.
    ROOT / "issuance/openbadges/sign.py", ROOT / "issuance/openbadges/issuer.py",
    ROOT / "issuance/verification/issuers.py", ROOT / "issuance/verification/status.py",
    # What the did:key decoder, the JSON-LD processor's wrapper and the status-list reader say, inside those.
    ROOT / "courses/keys/crypto.py", ROOT / "issuance/openbadges/canonical.py", ROOT / "issuance/openbadges/loader.py",
    ROOT / "issuance/openbadges/bitstring.py"] + sorted(
    path for path in (ROOT / "issuance/learner_page").glob("*.py") if "gettext" in path.read_text(encoding="utf-8"))
KEYWORDS = {"gettext": None, "gettext_noop": None, "gettext_lazy": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "_": None, "translate": None}


def _catalog(code: str):
    with (LOCALE / FOLDERS[code] / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=FOLDERS[code])


def _extracted(source: str) -> set:
    found = set()
    for _, _, message, _ in extract_python(io.BytesIO(source.encode()), KEYWORDS, [], {}):
        first = message if isinstance(message, str) or message is None else tuple(message)[0]
        if first:  # a call on a variable (the helper that translates a marked message) names no message
            found.add(first)
    return found


def _wanted() -> set:
    wanted = set()
    for path in COVERED:
        text = path.read_text(encoding="utf-8")
        wanted |= _extracted(templatize(text, origin=str(path)))
    for path in COVERED_PYTHON:
        wanted |= _extracted(path.read_text(encoding="utf-8"))
    return {message for message in wanted if message}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_catalogue_reads_and_has_no_fuzzy_or_empty_entry(code):
    catalog = _catalog(code)
    assert not catalog.fuzzy
    problems = [message.id for message in catalog if message.id and (message.fuzzy or not all(
        message.string if isinstance(message.string, str) else message.string))]
    assert problems == []


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_translation_keeps_its_messages_placeholders(code):
    errors = [(message.id, [str(e) for e in found]) for message, found in _catalog(code).check()]
    assert errors == []


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_string_a_learner_reads_is_in_the_catalogue(code):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in _catalog(code) if message.id}
    assert sorted(_wanted() - ids) == []


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_committed_mo_is_what_the_po_compiles_to(code):
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(code), use_fuzzy=False)
    assert (LOCALE / FOLDERS[code] / "LC_MESSAGES" / "django.mo").read_bytes() == compiled.getvalue()
