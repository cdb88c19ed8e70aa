"""What a rendered certificate may point at: organisation assets, bundled static files, Laurel's own data URIs.

`references_refused` lists every other reference in the HTML and CSS (for the admin preview and
for a clear refusal); `AssetResolver` is the `link_callback` that turns the allowed ones into
inline data and raises for anything else. Neither is the security boundary on its own: the
renderer also passes xhtml2pdf a resource policy that refuses every network fetch and every
local read (reliability.md §4.2), so a code path that skips the callback still fetches nothing.
"""

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

ASSET_SCHEME = "laurel-asset:"
STATIC_SCHEME = "laurel-static:"
STATIC_DIR = Path(settings.BASE_DIR) / "static"
MAX_ASSET_BYTES = 5 * 1024 * 1024

# Attributes through which xhtml2pdf (or HTML in general) loads a resource.
_FETCHING_ATTRIBUTES = {"src", "href", "background", "data", "poster", "srcset", "file", "xlink:href"}
_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import\s+(['\"])(.*?)\1", re.IGNORECASE | re.DOTALL)
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x00\x01\x00\x00", "font/ttf"),
    (b"true", "font/ttf"),
]


class ReferenceRefused(ValueError):
    """A template points at something a certificate may not load."""


@dataclass(frozen=True)
class RefusedReference:
    where: str  # e.g. '<img src>', '<style>', 'style attribute of <div>'
    reference: str
    reason: str

    def __str__(self):
        return f"{self.where}: {self.reference[:120]!r} ({self.reason})"


def _css_unescape(css: str) -> str:
    # A CSS escape (`u\72l(`) must not hide a reference from this scan.
    return _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), css)


def css_references(css: str) -> list[str]:
    css = _css_unescape(css)
    return [m.group(2).strip() for m in _CSS_URL.finditer(css)] + [m.group(2).strip() for m in _CSS_IMPORT.finditer(css)]


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, bool]] = []  # (where, reference, is_plain_link)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        for name, value in attrs:
            value = (value or "").strip()
            if name == "style":
                self.found += [(f"style attribute of <{tag}>", ref, False) for ref in css_references(value)]
            elif name in _FETCHING_ATTRIBUTES:
                for ref in value.split(",") if name == "srcset" else [value]:
                    self.found.append((f"<{tag} {name}>", ref.strip().split(" ")[0] if name == "srcset" else ref, tag == "a"))

    def handle_endtag(self, tag):
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data):
        if self._in_style:
            self.found += [("<style>", ref, False) for ref in css_references(data)]


def _static_path(relative: str) -> Path | None:
    if not relative or relative.startswith(("/", "\\")) or ".." in Path(relative).parts:
        return None
    path = (STATIC_DIR / relative).resolve()
    return path if path.is_file() and path.is_relative_to(STATIC_DIR.resolve()) else None


def _reason(reference: str, *, assets: Mapping, allowed_data: set[str], is_link: bool) -> str | None:
    lowered = reference.lower()
    if is_link and lowered.startswith(_LINK_SCHEMES):
        return None
    if lowered.startswith(ASSET_SCHEME):
        name = reference[len(ASSET_SCHEME):]
        return None if name in assets else f"the organisation has no asset named {name!r}"
    if lowered.startswith(STATIC_SCHEME):
        return None if _static_path(reference[len(STATIC_SCHEME):]) else "no such bundled static file"
    if lowered.startswith("data:"):
        return None if reference in allowed_data else "inline data is only allowed for images Laurel generates (the QR code); upload an asset instead"
    if lowered.startswith(("http://", "https://", "//")):
        return "certificates fetch nothing from the network; upload the file as an asset"
    if lowered.startswith("file:"):
        return "certificates read no server files"
    if not reference:
        return "empty reference"
    if reference.startswith(("/", "\\")) or ".." in reference:
        return "absolute and ../ paths are not allowed; use laurel-asset:<name>"
    return "only laurel-asset:<name> and laurel-static:<path> references are allowed"


def html_references(html: str) -> list[tuple[str, str, bool]]:
    """Every (where, reference, is_plain_link) in `html`, its <style> blocks and style attributes included."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found


def references_refused(*, html: str, css: str, assets: Mapping, allowed_data: set[str] = frozenset()) -> list[RefusedReference]:
    """Every reference in the rendered `html` and `css` that a certificate may not load."""
    found = html_references(html) + [("stylesheet", ref, False) for ref in css_references(css)]
    refused = []
    for where, reference, is_link in found:
        reason = _reason(reference, assets=assets, allowed_data=set(allowed_data), is_link=is_link)
        if reason:
            refused.append(RefusedReference(where, reference, reason))
    return refused


def _mime(data: bytes, name: str) -> str:
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    raise ReferenceRefused(f"{name}: only PNG, JPEG, GIF images and TrueType fonts can be used in a certificate.")


def data_uri(data: bytes, *, name: str = "asset") -> str:
    if len(data) > MAX_ASSET_BYTES:
        raise ReferenceRefused(f"{name} is {len(data)} bytes; an asset may be at most {MAX_ASSET_BYTES}.")
    return f"data:{_mime(data, name)};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=32)
def _static_data_uri(path: Path, mtime: float) -> str:
    return data_uri(path.read_bytes(), name=path.name)


class AssetResolver:
    """xhtml2pdf `link_callback`: allowed references become data URIs; anything else raises (fail closed)."""

    def __init__(self, *, assets: Mapping[str, bytes | str | Path], allowed_data: set[str]):
        self.assets = assets
        self.allowed_data = set(allowed_data)
        self._resolved: dict[str, str] = {}

    def __call__(self, uri: str, rel: str | None = None) -> str:
        if uri in self.allowed_data:
            return uri
        if uri not in self._resolved:
            self._resolved[uri] = self._resolve(uri)
        return self._resolved[uri]

    def _resolve(self, uri: str) -> str:
        lowered = uri.lower()
        if lowered.startswith(ASSET_SCHEME):
            name = uri[len(ASSET_SCHEME):]
            if name in self.assets:
                value = self.assets[name]
                # A path in `assets` comes from Laurel (the organisation's stored file), not the template.
                data = value if isinstance(value, bytes) else Path(value).read_bytes()
                return data_uri(data, name=f"asset {name!r}")
        elif lowered.startswith(STATIC_SCHEME):
            path = _static_path(uri[len(STATIC_SCHEME):])
            if path:
                return _static_data_uri(path, path.stat().st_mtime)
        raise ReferenceRefused(f"The certificate may not load {uri[:120]!r}.")
