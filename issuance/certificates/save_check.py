"""Whether a certificate template will render, checked when staff save it rather than at a learner's render step."""

from courses.models import CertificateAsset

from .credential_certificate import LOGO_ASSET
from .render import CertificateTemplateError, certificate_render_context, certificate_render_html
from .samples import SAMPLE_NAMES, sample_context


def certificate_template_save_problems(*, organization, html: str, css: str, page_size: str, orientation: str) -> list[str]:
    """Every problem a render would meet: sandbox refusals, budgets, and references it may not load.

    Rendered for the longest sample name with the organisation's asset names, through the same
    `certificate_render_html` as a real certificate; only the PDF engine step is left out.
    """
    stored = list(CertificateAsset.objects.filter(organization=organization).order_by("kind", "name").values_list("name", "kind"))
    assets = dict.fromkeys((name for name, _ in stored), b"")
    logo = next((name for name, kind in stored if kind == CertificateAsset.Kind.LOGO), "")
    if not logo and organization.logo:
        assets[LOGO_ASSET], logo = b"", LOGO_ASSET
    context = sample_context(SAMPLE_NAMES["long"], organization_name=organization.name, organization_logo_asset=logo)
    try:
        full = certificate_render_context(context, page_size=page_size, orientation=orientation, template_css=css)
        certificate_render_html(template_html=html, template_css=css, context=full, assets=assets)
    except CertificateTemplateError as exc:
        return exc.problems
    except ValueError as exc:
        return [str(exc)]
    return []
