"""What the certificate template editor says: layered (the design drawn once, each credential's text placed on it) or a full render, and why."""

from collections.abc import Mapping
from dataclasses import dataclass

from .layered import LayerCache, NotLayered, layered_render_pdf
from .render import certificate_render_context, certificate_render_document, certificate_render_html
from .samples import METADATA, sample_context


@dataclass(frozen=True)
class Layering:
    """What the template editor shows: layered, or a full render for every credential and why."""

    layered: bool
    reason: str = ""

    def __str__(self) -> str:
        if self.layered:
            return ("Layered: the design is drawn once per version and layout, and each credential's text "
                    "and QR code are placed on it.")
        return f"Full render for every credential: {self.reason}."


def template_layering(*, template_html: str, template_css: str, page_size: str, orientation: str,
                      assets: Mapping | None = None) -> Layering:
    """Whether certificates from this template are layered, or why each is rendered in full.

    Tried with the sample learner in a cache of its own (nothing is kept); a template that does not
    render at all is reported as such by the preview, and here as a full render.
    """
    assets = assets or {}
    try:
        context = certificate_render_context(sample_context("Zoë Ångström-Øberg"), page_size=page_size,
                                             orientation=orientation, template_css=template_css)
        layered_render_pdf(
            template_key=("editor",), template_html=template_html, template_css=template_css, context=context,
            assets=assets, metadata=METADATA, cache=LayerCache(8 * 1024 * 1024),
            document_for=lambda values: certificate_render_html(
                template_html=template_html, template_css=template_css, context=values, assets=assets),
            engine=lambda document, allowed: certificate_render_document(
                document, assets=assets, allowed_data=allowed, metadata={}),
        )
    except NotLayered as exc:
        return Layering(False, str(exc))
    except (ValueError, RuntimeError) as exc:  # the template's own problems: the preview lists them
        return Layering(False, f"the template does not render yet ({str(exc)[:200]})")
    return Layering(True)
