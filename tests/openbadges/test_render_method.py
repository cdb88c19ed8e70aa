"""The credential's renderMethod: an SVG card template served by Laurel, bound by digest, filled in by the wallet."""

import hashlib
import xml.etree.ElementTree as ElementTree
from urllib.parse import urlsplit

import base58

from issuance.models import RenderTemplate

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = """<script>alert("x")</script> O'Brien & "Ann" {{credential.id}}"""


def _template(client, credential) -> tuple[bytes, object]:
    answer = client.get(urlsplit(credential.badge["renderMethod"][0]["id"]).path)
    assert answer.status_code == 200, answer.content
    return answer.content, answer


def test_it_names_an_svg_template_bound_by_its_digest_in_the_credential_the_pipeline_signs(client, issue, schema_validator,
                                                                                          settings):
    credential = issue()

    [method] = credential.badge["renderMethod"]
    assert method["type"] == "SvgRenderingTemplate2023"
    assert method["id"].startswith(f"{settings.LAUREL_BASE_URL}/render-templates/")
    assert {"SvgRenderingTemplate2023": "https://w3id.org/vc/render-method#SvgRenderingTemplate2023"} in credential.badge["@context"]
    assert list(schema_validator.iter_errors(credential.badge)) == []

    svg, answer = _template(client, credential)
    multihash = base58.b58decode(method["digestMultibase"][1:])
    assert method["digestMultibase"][0] == "z" and multihash == b"\x12\x20" + hashlib.sha256(svg).digest()
    assert answer["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "sandbox" in answer["Content-Security-Policy"] and "script-src" not in answer["Content-Security-Policy"]
    assert answer["Access-Control-Allow-Origin"] == "*" and "immutable" in answer["Cache-Control"]
    assert client.get("/render-templates/" + "0" * 64 + ".svg").status_code == 404


def test_it_puts_the_organisations_design_in_the_template_and_no_learner_text(client, issue, academy):
    credential = issue(name=HOSTILE)

    svg, _ = _template(client, credential)
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 1123 794"  # the certificate's A4 landscape
    assert academy.primary_color.encode() in svg and academy.accent_color.encode() in svg
    assert b"O'Brien" not in svg and b"script" not in svg
    assert RenderTemplate.objects.count() == 1  # one design, one row, whoever's credential names it
    issue(email="bo@learners.example", name="Bo")
    assert RenderTemplate.objects.count() == 1


def test_the_wallets_filled_in_card_escapes_the_learners_name_and_shows_it_as_written(client, issue, wallet_fill):
    credential = issue(name=HOSTILE)
    svg, _ = _template(client, credential)

    card = wallet_fill(svg.decode("utf-8"), credential.badge)

    root = ElementTree.fromstring(card)  # still well-formed XML
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    texts = ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]
    assert HOSTILE in texts  # the name as the learner wrote it, braces and all: data, never template code
    assert "First Aid at Work" in texts and "Harbour Academy" in texts
    assert credential.badge["id"] in texts
    assert any(text.startswith(credential.badge["validFrom"] + " \u2013 ") for text in texts)


def test_it_embeds_the_organisations_logo_so_the_wallet_fetches_nothing_else(client, issue, academy):
    import base64
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), academy.primary_color).save(buffer, "PNG")
    academy.logo.save("logo.png", ContentFile(buffer.getvalue()))
    credential = issue()

    svg, _ = _template(client, credential)
    [image] = ElementTree.fromstring(svg).iter(f"{SVG}image")
    prefix = "data:image/png;base64,"
    assert image.get("href").startswith(prefix)
    assert base64.b64decode(image.get("href")[len(prefix):]) == buffer.getvalue()
    assert b"http" not in svg.replace(b"http://www.w3.org/", b"")  # no outside address for the wallet to call


def test_a_designed_certificate_gives_the_card_its_own_layout(client, issue, first_aid, wallet_fill):
    from courses.templating.certificate_design import design_starter, design_template

    design = design_starter("A4", "landscape")  # the learner's name: 34 pt, centred in a 500 pt block at x = 171
    [learner] = [block for block in design["blocks"] if block.get("field") == "learner_name"]
    design["blocks"] += [
        {"kind": "text", "text": "Awarded by {{credential.id}} & <b>us</b>\nSecond line", "x": 40, "y": 40, "w": 300, "h": 40,
         "font": "Laurel Serif", "size": 12, "color": "#123456", "weight": "bold", "align": "left"},
        {"kind": "box", "x": 20, "y": 20, "w": 802, "h": 555, "color": "#0e5e4e", "stroke": 4, "fill": ""},
        {"kind": "field", "field": "achievement_name", "x": 40, "y": 500, "w": 300, "h": 20, "font": "Laurel Sans", "size": 11,
         "color": "#222222", "weight": "normal", "align": "left"},
        {"kind": "field", "field": "score", "x": 600, "y": 40, "w": 200, "h": 20, "font": "Laurel Sans", "size": 12,
         "color": "#222222", "weight": "normal", "align": "right"},
    ]
    html, css = design_template(design)
    template = first_aid.certificate_template or first_aid.organization.certificate_templates.order_by("name").first()
    type(template).objects.filter(pk=template.pk).update(html=html, css=css, page_size="A4", orientation="landscape")
    credential = issue(name="Zoë Ångström")

    svg, _ = _template(client, credential)
    root = ElementTree.fromstring(svg)
    assert root.get("viewBox") == "0 0 842 595" and root.get("width") == "1123"  # the certificate's own points
    assert b"Second line" in svg and b"&amp; &lt;b&gt;us&lt;/b&gt;" in svg
    assert b"{{credential.id}} &amp;" not in svg  # staff's braces are no placeholder the wallet fills

    card = ElementTree.fromstring(wallet_fill(svg.decode("utf-8"), credential.badge))
    texts = {"".join(e.itertext()): e for e in card.iter(f"{SVG}text")}
    name = texts["Zoë Ångström"]
    assert name.get("text-anchor") == "middle" and name.get("font-size") == "34" and name.get("fill") == "#1f3a5f"
    [span] = name.iter(f"{SVG}tspan")
    assert float(span.get("x")) == 171 + 250 and float(span.get("y")) == round(learner["y"] + 0.9 * 34, 1)
    assert "First Aid at Work" in texts and credential.badge["id"] in texts and "92" in texts
    assert sum("".join(e.itertext()) == "First Aid at Work" for e in card.iter(f"{SVG}text")) == 2  # course title, achievement
    assert texts["92"].get("text-anchor") == "end"
    assert "Awarded by {{credential.id}} & <b>us</b>Second line" in texts  # the staff's words, as written
    assert not any("November" in text or "Nov" in text for text in texts)  # the completion date: not in the credential
    rects = [(r.get("stroke"), r.get("fill")) for r in card.iter(f"{SVG}rect")]
    assert ("#0e5e4e", "none") in rects and (None, "#b8893b") in rects  # the box, and the line under the name
