"""The learner's language: which BCP 47 tags are well formed, and which of Laurel's translations serves each.

A completion may name any well-formed tag (`fr-CA`, `pt_BR` from Moodle, `zh-CN`); Laurel serves the
closest language it ships (`fr`, `pt-BR`, `zh-Hans`), or none, and says which, so a fallback is recorded
rather than hidden.
"""

import re
from dataclasses import dataclass

# Laurel's own text ships in these (locale/<code>/LC_MESSAGES/django.po); the first is the last resort.
LANGUAGES = {
    "en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "pt-BR": "Português (Brasil)",
    "it": "Italiano", "nl": "Nederlands", "ar": "العربية", "zh-Hans": "简体中文", "ja": "日本語",
}
LANGUAGE_CHOICES = [(code, f"{name} ({code})") for code, name in LANGUAGES.items()]
RIGHT_TO_LEFT = {"ar", "he", "fa", "ur"}
MAX_TAG_LENGTH = 35

# RFC 5646 langtag without the grandfathered forms: language[-extlang][-script][-region]*(-variant)*(-extension)*[-x-private].
# The primary subtag is 2 or 3 letters: the registry holds no longer one, and "English" or "French" sent
# in a language field is a sender's mistake to name, not a tag to fall back from.
_TAG = re.compile(
    r"^[a-z]{2,3}(?:-[a-z]{3}){0,3}"
    r"(?:-[a-z]{4})?"
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*"
    r"(?:-x(?:-[a-z0-9]{1,8})+)?$"
)
# Chinese written in simplified characters, by the regions that write it so.
_SIMPLIFIED_REGIONS = {"cn", "sg", "my"}


class LanguageTagError(ValueError):
    """Not a BCP 47 language tag; the message says what was received."""


@dataclass(frozen=True)
class LanguageChoice:
    requested: str  # the tag as the sender meant it, in canonical case ("" when none was sent)
    language: str | None  # the language Laurel serves for it, or None when it ships nothing close


def language_tag_parse(value) -> str:
    """A well-formed tag in its canonical case (`pt-BR`, `zh-Hans`); Moodle's `pt_br` is read as `pt-BR`."""
    if not isinstance(value, str):
        raise LanguageTagError(f"The language must be a BCP 47 tag such as fr or pt-BR, not {type(value).__name__}.")
    tag = value.strip().replace("_", "-")
    if not tag or len(tag) > MAX_TAG_LENGTH or not _TAG.match(tag.lower()):
        raise LanguageTagError(f"{value.strip()[:60]!r} is not a BCP 47 language tag such as fr, pt-BR or zh-Hans.")
    parts = tag.split("-")
    canonical = [parts[0].lower()]
    singleton_seen = False  # after an extension or private-use singleton, everything is lower case
    for index, part in enumerate(parts[1:], start=1):
        singleton_seen = singleton_seen or len(part) == 1
        if not singleton_seen and len(part) == 4 and part.isalpha() and all(len(p) == 3 for p in parts[1:index]):
            canonical.append(part.title())
        elif not singleton_seen and len(part) == 2 and part.isalpha():
            canonical.append(part.upper())
        else:
            canonical.append(part.lower())
    return "-".join(canonical)


def language_served(tag: str) -> str | None:
    """The language of LANGUAGES closest to a well-formed tag: itself, its script's, or its base language's."""
    parts = tag.lower().split("-")
    by_lower = {code.lower(): code for code in LANGUAGES}
    if tag.lower() in by_lower:
        return by_lower[tag.lower()]
    base = parts[0]
    if base == "zh":
        simplified = "hans" in parts or (not {"hant", "tw", "hk", "mo"} & set(parts[1:]) and
                                         (len(parts) == 1 or _SIMPLIFIED_REGIONS & set(parts[1:])))
        return "zh-Hans" if simplified else None
    if base == "pt":
        return "pt-BR"  # the one Portuguese Laurel ships; a pt-PT learner reads it, and the choice is recorded
    return by_lower.get(base)


def language_choose(value) -> LanguageChoice:
    """What a completion asked for and what Laurel serves; raises LanguageTagError for a malformed tag."""
    requested = language_tag_parse(value)
    return LanguageChoice(requested=requested, language=language_served(requested))


def language_direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RIGHT_TO_LEFT else "ltr"


def language_resolve(*, requested: str, course_language: str, organization_language: str) -> tuple[str, str]:
    """(the language used, why): the completion's when Laurel serves it, else the course's, else the organisation's."""
    served = language_served(requested) if requested else None
    if served:
        why = "" if served.lower() == requested.lower() else f"{requested} was asked; Laurel serves it in {served}."
        return served, why
    fallback, whose = (course_language, "course's") if course_language else (organization_language or "en", "organisation's")
    if not requested:
        return fallback, ""
    return fallback, f"{requested} was asked; Laurel ships no translation for it, so the {whose} language, {fallback}, is used."


def formatting_locale(*, language: str, organization_locale: str) -> str:
    """The locale dates and numbers are written in: the organisation's when it is a variant of the learner's
    language (an en-GB organisation keeps "5 January" for English learners), else the learner's language."""
    if organization_locale and organization_locale.split("-")[0].lower() == language.split("-")[0].lower():
        return organization_locale
    return language
