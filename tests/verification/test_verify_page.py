"""The public /verify page answers a chosen or dropped file in plain words: who, for whom, for what, status now."""

import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from issuance.openbadges.issuer import organization_did_web
from issuance.verification.presented import presented_credential_verify
from issuance.revocation import credential_revoke


def _check(client, data: bytes, name: str = "certificate.pdf", **extra):
    return client.post("/verify", data={"file": SimpleUploadedFile(name, data)}, **extra)


def _text(response) -> str:
    """The page as a person reads it: tags dropped (entities kept, to see what was escaped), spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_it_offers_a_file_form_that_works_without_script_and_a_drop_zone_script_from_a_file(client, db):
    page = client.get("/verify").content.decode()

    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and 'name="file"' in page
    assert 'src="/static/laurel/verify-drop.js"' in page
    assert "<script>" not in page  # the site's policy allows no inline script (docs/decisions/0009)


def test_it_says_who_signed_a_pdf_for_whom_for_what_and_that_it_is_the_original(client, issued_pdf):
    credential, pdf = issued_pdf(name="Ann Lee")
    did = organization_did_web(organization=credential.issuance.organization)

    response = _check(client, pdf)

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = _text(response)
    for words in ("The signature is genuine", f"Signed by Harbour Academy ({did})", "For Ann Lee",
                  "Achievement First Aid at Work", f"Issued {credential.valid_from:%-d %B %Y}",
                  f"Valid until {credential.valid_until:%-d %B %Y}", "Status now Valid",
                  "This PDF is the original file that was issued, unchanged."):
        assert words in page, words


def test_it_says_the_badge_is_genuine_but_the_pdf_was_changed_with_a_link_to_the_original(client, issued_pdf, settings):
    credential, pdf = issued_pdf()

    response = _check(client, pdf + b"\n%edited\n")

    assert "The badge inside is genuine; this PDF was changed after issue." in _text(response)
    assert f'<a href="{settings.LAUREL_BASE_URL}/credentials/{credential.pk}.pdf">the original PDF</a>' in response.content.decode()


def test_it_reads_the_same_file_as_revoked_with_the_reason(client, issued_pdf, admin_user):
    credential, pdf = issued_pdf()
    credential_revoke(credential=credential, reason="Assessment found to be <b>copied</b>.", actor=admin_user)

    page = _text(_check(client, pdf))

    assert "Status now Revoked: Assessment found to be &lt;b&gt;copied&lt;/b&gt;." in page


def test_it_checks_a_credential_file_and_escapes_what_it_carries(client, issue):
    credential = issue(name="Ann <i>Lee</i>")

    page = _text(_check(client, json.dumps(credential.badge).encode(), name="credential.json"))

    assert "For Ann &lt;i&gt;Lee&lt;/i&gt;" in page and "Status now Valid" in page


def test_it_says_why_a_file_cannot_be_read(client, db):
    response = _check(client, b"PK\x03\x04 not a certificate", name="badge.zip")

    assert response.status_code == 415
    assert "The file is not a PDF, a PNG badge or a credential (JSON)." in _text(response)


def test_it_answers_429_with_retry_after_past_the_rate(client, issue, settings):
    credential = issue()
    settings.LAUREL_VERIFY_RATE = 1
    data = json.dumps(credential.badge).encode()

    assert _check(client, data, name="c.json").status_code == 200
    refused = _check(client, data, name="c.json")

    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many checks from this address" in _text(refused)


def test_it_says_a_credential_from_another_did_web_issuer_was_not_issued_here(client, other_issuer, db):
    credential = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/42.json"))

    page = _text(_check(client, json.dumps(credential).encode(), name="credential.json"))

    assert f"Signed by Acme Training Ltd ({other_issuer.did}), an issuer this site does not know" in page
    assert "its key was read from https://localhost:" in page and "Status now Valid" in page


def test_the_file_report_reads_in_the_visitors_language(client, issued_pdf):
    credential, pdf = issued_pdf(name="Ann Lee")

    response = _check(client, pdf, HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "fr"
    page = _text(response)
    for words in ("La signature est authentique", "Signé par Harbour Academy", "Pour Ann Lee",
                  "Réussite First Aid at Work", "Statut actuel Valable",
                  "Ce PDF est le fichier original délivré, sans modification.", "La page du certificat"):
        assert words in page, words
    assert "The signature is genuine" not in page and "Status now" not in page


def _blank_pdf() -> bytes:
    """A real one-page PDF with no attachment: a scan, say."""
    import io

    import pikepdf

    pdf, out = pikepdf.new(), io.BytesIO()
    pdf.add_blank_page()
    pdf.save(out)
    return out.getvalue()


def test_a_refused_file_is_explained_in_the_visitors_language(client, db):
    german = _check(client, b"PK\x03\x04 not a certificate", name="badge.zip", HTTP_ACCEPT_LANGUAGE="de")
    japanese = _check(client, b"   \n", name="empty.json", HTTP_ACCEPT_LANGUAGE="ja")
    french = _check(client, _blank_pdf(), name="scan.pdf", HTTP_ACCEPT_LANGUAGE="fr")

    assert german.status_code == 415
    assert "Die Datei ist weder ein PDF noch ein PNG-Abzeichen noch ein Nachweis (JSON)." in _text(german)
    assert japanese.status_code == 400 and "ファイルが空です。" in _text(japanese)
    assert french.status_code == 422
    assert "Le PDF ne contient pas de pièce jointe credential.json : ce n’est pas un certificat" in _text(french)


def test_the_verifiers_problem_titles_read_in_the_visitors_language_and_the_api_stays_english(client, issue):
    credential = issue(name="Ann Lee")
    forged = json.loads(json.dumps(credential.badge))
    forged["credentialSubject"]["achievement"]["name"] = "Brain Surgery"

    page = _text(_check(client, json.dumps(forged).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="es"))
    answer = client.post("/api/v1/verify", data=json.dumps(forged), content_type="application/json",
                         HTTP_ACCEPT_LANGUAGE="es").json()

    assert "No se pudo verificar esta credencial" in page and "La firma no es válida" in page
    assert "The signature does not verify" not in page
    assert [error["title"] for error in answer["errors"]] == ["The signature does not verify"]


def _encrypted_pdf() -> bytes:
    import io

    import pikepdf

    pdf, out = pikepdf.new(), io.BytesIO()
    pdf.add_blank_page()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user=""))
    return out.getvalue()


def _plain_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, format="PNG")
    return out.getvalue()


def test_what_the_pdf_png_and_json_readers_found_reads_in_the_visitors_language(client, db):
    french = _check(client, _encrypted_pdf(), name="locked.pdf", HTTP_ACCEPT_LANGUAGE="fr")
    german = _check(client, _plain_png(), name="photo.png", HTTP_ACCEPT_LANGUAGE="de")
    japanese = _check(client, b'{"type": ["VerifiableCredential"', name="cut.json", HTTP_ACCEPT_LANGUAGE="ja")
    arabic = _check(client, ("[" * 40 + "]" * 40).encode(), name="deep.json", HTTP_ACCEPT_LANGUAGE="ar")
    english = _check(client, _plain_png(), name="photo.png")

    assert french.status_code == 422 and "Le PDF est chiffré ; un certificat Laurel ne l’est jamais." in _text(french)
    assert german.status_code == 422
    assert "Das PNG enthält keinen „openbadges“-Block: Es ist kein eingebettetes Badge." in _text(german)
    assert japanese.status_code == 422 and "ファイル：有効な JSON ではありません：" in _text(japanese)
    assert arabic.status_code == 422 and "بيانات JSON متداخلة في أكثر من 32 مستوى." in _text(arabic)
    assert "The PNG carries no &#x27;openbadges&#x27; chunk: it is not a baked badge." in _text(english)


def test_the_verifiers_details_read_in_the_visitors_language(client, other_issuer, db):
    credential = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/42.json"))

    page = _text(_check(client, json.dumps(credential).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "sa clé a été lue depuis https://localhost:" in page and "its key was read" not in page


def test_why_a_signature_fails_and_why_a_key_or_status_list_cannot_be_read_read_in_the_visitors_language(
    client, did_host, other_issuer, db
):
    changed = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/42.json"))
    changed["credentialSubject"]["achievement"]["name"] = "Pilot's Licence"
    listed = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/43.json",
                                                  credential_status=other_issuer.status_entry(7)))

    altered = _text(_check(client, json.dumps(changed).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="fr"))
    with translation.override("de"):  # the page shows no warning's detail; the report it is drawn from carries them
        no_list = presented_credential_verify(credential=listed).warnings
    api = client.post("/api/v1/verify", data=json.dumps(changed), content_type="application/json",
                      HTTP_ACCEPT_LANGUAGE="fr").json()
    document = other_issuer.did_document()
    document["assertionMethod"] = document["assertionMethod"][:1]  # key-2, which signs, is no longer listed
    did_host.publish(path="/issuers/northwind/did.json", document=document)
    no_key = _text(_check(client, json.dumps(listed).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="es"))

    assert ("la signature ne correspond pas : le certificat a été modifié ou signé par une autre clé" in altered
            and "was altered" not in altered)
    assert "no incluye la clave de aserción" in no_key and "lists no assertion key" not in no_key
    [status] = [warning["detail"] for warning in no_list if warning["type"] == "status_not_checked"]
    assert status.startswith("Die Statusliste https://localhost:") and status.endswith("antwortete mit HTTP 404.")
    assert api["errors"][0]["detail"] == "the signature does not match: the credential was altered or signed by another key"


def _did_key_issuer():
    """An issuer whose key is its identifier: did:key, nothing fetched."""
    from datetime import datetime, timezone

    from courses.keys.crypto import did_key_from_public_key, did_key_verification_method, key_pair_generate
    from issuance.openbadges.sign import credential_sign
    from tests.openbadges.conftest import Issuer

    pair = key_pair_generate()
    did = did_key_from_public_key(public_key=pair.public_key)
    issuer = Issuer("https://northwind.example", slug="northwind")

    def signed(**overrides) -> dict:
        credential = issuer.build(issuer_id=did, credential_id="https://northwind.example/credentials/44.json", **overrides)
        return credential_sign(credential=credential, private_key=pair.private_key, created=datetime.now(timezone.utc),
                               verification_method=did_key_verification_method(public_key=pair.public_key))
    return signed


def test_did_key_and_json_ld_verification_errors_read_in_the_visitors_language_and_the_api_stays_english(client, db):
    signed = _did_key_issuer()
    genuine = signed()
    not_a_key = {**genuine, "issuer": {**genuine["issuer"], "id": "did:key:z6Mkx"},
                 "proof": [{**genuine["proof"][0], "verificationMethod": "did:key:z6Mkx#z6Mkx"}]}
    unbundled = {**genuine, "@context": [*genuine["@context"], "https://contexts.example/extra.jsonld"]}

    page = _text(_check(client, json.dumps(genuine).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="fr"))
    bad_key = _text(_check(client, json.dumps(not_a_key).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="fr"))
    context = _text(_check(client, json.dumps(unbundled).encode(), name="credential.json", HTTP_ACCEPT_LANGUAGE="de"))
    api = client.post("/api/v1/verify", data=json.dumps(not_a_key), content_type="application/json",
                      HTTP_ACCEPT_LANGUAGE="fr").json()

    assert "sa clé a été lue depuis son identifiant did:key lui-même" in page and "identifier itself" not in page
    assert "publicKeyMultibase &#x27;z6Mkx&#x27; n’est pas une clé Ed25519 de 32 octets (préfixe 0xed01)" in bad_key
    assert "is not a 32-byte" not in bad_key
    assert "Der JSON-LD-Kontext &#x27;https://contexts.example/extra.jsonld&#x27; ist nicht in Laurel enthalten" in context
    assert "is not bundled" not in context
    assert api["errors"][0]["detail"] == "publicKeyMultibase 'z6Mkx' is not a 32-byte Ed25519 key (0xed01 prefix)."


def test_why_another_issuers_status_list_cannot_be_decoded_reads_in_the_visitors_language(did_host, other_issuer, db):
    from datetime import datetime, timezone

    from issuance.openbadges.bitstring import bitstring_encode, status_list_credential_build

    listing = status_list_credential_build(list_url=other_issuer.status_list_url(), issuer_id=other_issuer.did,
                                           purpose="revocation", encoded_list=bitstring_encode(set_indexes=set()),
                                           valid_from=datetime.now(timezone.utc))
    listing["credentialSubject"]["encodedList"] = "H4sIAAAA"  # no multibase prefix
    did_host.publish(path="/status/northwind/revocation/1", document=other_issuer.sign(listing))
    listed = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/45.json",
                                                  credential_status=other_issuer.status_entry(7)))

    with translation.override("de"):  # the page shows no warning's detail; the report it is drawn from carries them
        german = presented_credential_verify(credential=listed).warnings
    english = presented_credential_verify(credential=listed).warnings

    [status] = [warning["detail"] for warning in german if warning["type"] == "status_not_checked"]
    assert "encodedList muss Multibase-base64url sein (Präfix 'u')" in status
    [status] = [warning["detail"] for warning in english if warning["type"] == "status_not_checked"]
    assert status.endswith("encodedList must be multibase base64url (a 'u' prefix).")
