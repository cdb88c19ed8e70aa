"""A certificate fetches nothing from the network and reads no file outside the organisation's assets."""

import pytest
from PIL import Image

from issuance.certificates.references import AssetResolver, references_refused
from issuance.certificates.render import CertificateTemplateError, certificate_render_document, certificate_render_pdf
from issuance.certificates.samples import METADATA, sample_context

from .conftest import pdf_image_count


def _refused_kinds(url: str) -> dict[str, tuple[str, str]]:
    """(html, css) per kind of reference the issue names, each pointing at `url`."""
    return {
        "img src": (f'<img src="{url}/img.png">', ""),
        "link href": (f'<link rel="stylesheet" href="{url}/style.css">', ""),
        "@import": ("", f'@import url("{url}/import.css");'),
        "@import string": ("", f'@import "{url}/import2.css";'),
        "@font-face src": ("", f'@font-face {{ font-family: "X"; src: url({url}/font.ttf); }}'),
        "style attribute url()": (f'<div style="background-image: url({url}/bg.png)">x</div>', ""),
        "<style> background": (f"<style>.x {{ background: url('{url}/bg2.png'); }}</style><p class=x>x</p>", ""),
        "@page background": ("", f"@page {{ background-image: url({url}/page.png); }}"),
        "css escape": ("", f"p {{ background: u\\72l({url}/escaped.png); }}"),
        "table background": (f'<table background="{url}/table.png"><tr><td>x</td></tr></table>', ""),
    }


def _render(html: str, css: str = "", assets=None) -> bytes:
    return certificate_render_pdf(
        template_html=html + "<p>{{ learner_name }}</p>",
        template_css=css,
        page_size="A4",
        orientation="landscape",
        context=sample_context("Ana Lima"),
        assets=assets or {},
        metadata=METADATA,
    )


def test_it_refuses_every_network_reference_and_the_canary_hears_nothing(canary):
    for kind, (html, css) in _refused_kinds(canary.url).items():
        with pytest.raises(CertificateTemplateError) as refused:
            _render(html, css)
        assert canary.url in str(refused.value), kind
    assert canary.requests == []


def test_it_lists_refused_references_for_the_preview(canary):
    html, css = _refused_kinds(canary.url)["img src"]
    refused = references_refused(html=html, css="@import 'https://fonts.example.com/x.css';", assets={})
    assert [(item.where, item.reference) for item in refused] == [
        ("<img src>", f"{canary.url}/img.png"),
        ("stylesheet", "https://fonts.example.com/x.css"),
    ]
    assert "network" in refused[0].reason


@pytest.fixture
def outside_image(tmp_path):
    path = tmp_path / "outside" / "secret.png"
    path.parent.mkdir()
    Image.new("RGB", (30, 30), (1, 2, 3)).save(path)
    return path


@pytest.mark.parametrize("form", ["absolute", "file-url", "dot-dot"])
def test_it_refuses_files_outside_the_assets(outside_image, form):
    reference = {
        "absolute": str(outside_image),
        "file-url": outside_image.as_uri(),
        "dot-dot": "../" * 12 + str(outside_image).lstrip("/"),
    }[form]
    with pytest.raises(CertificateTemplateError, match="refused reference"):
        _render(f'<img src="{reference}">')


def test_it_refuses_inline_data_that_laurel_did_not_generate():
    with pytest.raises(CertificateTemplateError, match="inline data"):
        _render('<img src="data:image/png;base64,iVBORw0KGgo=">')


def test_it_refuses_an_asset_the_organisation_does_not_have():
    with pytest.raises(CertificateTemplateError, match="no asset named 'seal'"):
        _render('<img src="laurel-asset:seal">')


# Below the reference scan: the engine itself, handed hostile markup directly, as if the scan had
# missed something. This is the boundary reliability.md 4.2 asks for (link_callback alone is not).


def test_the_engine_fetches_nothing_even_when_the_scan_is_bypassed(canary):
    for kind, (html, css) in _refused_kinds(canary.url).items():
        document = f"<html><head><style>{css}</style></head><body>{html}<p>x</p></body></html>"
        try:
            certificate_render_document(document, assets={}, allowed_data=set(), metadata=METADATA)
        except CertificateTemplateError:
            pass  # refusing is fine; fetching is not
    assert canary.requests == []


def test_the_engine_embeds_no_outside_file_even_when_the_scan_is_bypassed(outside_image):
    for reference in (str(outside_image), outside_image.as_uri(), "../" * 12 + str(outside_image).lstrip("/")):
        document = f'<html><body><img src="{reference}"><p>x</p></body></html>'
        try:
            pdf = certificate_render_document(document, assets={}, allowed_data=set(), metadata=METADATA)
        except CertificateTemplateError:
            continue
        assert pdf_image_count(pdf) == 0, reference


def test_the_link_callback_raises_for_anything_but_assets_and_bundled_files(outside_image):
    resolver = AssetResolver(assets={"logo": outside_image}, allowed_data=set())
    assert resolver("laurel-asset:logo").startswith("data:image/png;base64,")
    assert resolver("laurel-static:fonts/NotoSans-Regular.ttf").startswith("data:font/ttf;base64,")
    for uri in ("http://127.0.0.1/x.png", str(outside_image), "laurel-static:../pyproject.toml", "laurel-asset:nope"):
        with pytest.raises(ValueError):
            resolver(uri)
