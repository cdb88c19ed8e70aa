"""The /verify page in a real browser, under the site's Content-Security-Policy: a file dropped or chosen is checked."""

import base64

import pytest

from tests.verification.conftest import academy, first_aid, issue, issued_pdf, smtp  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

DROP = """([box, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "certificate.pdf", {type: "application/pdf"}));
  box.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  box.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def test_it_checks_a_pdf_dropped_on_the_page(page, issued_pdf):
    credential, pdf = issued_pdf()
    page.goto("/verify")

    with page.expect_navigation():
        page.evaluate(DROP, [page.locator("#verify-drop").element_handle(), base64.b64encode(pdf).decode()])

    result = page.locator("#file-result")
    assert "The signature is genuine" in result.inner_text()
    assert "Harbour Academy" in result.inner_text() and "Ann Lee" in result.inner_text()
    assert page.locator("#file-original").inner_text() == "This PDF is the original file that was issued, unchanged."


def test_it_checks_a_changed_pdf_chosen_with_the_file_input(page, issued_pdf, tmp_path):
    credential, pdf = issued_pdf()
    changed = tmp_path / "certificate.pdf"
    changed.write_bytes(pdf + b"\n%edited\n")
    page.goto("/verify")

    with page.expect_navigation():
        page.set_input_files("#verify-file-input", str(changed))

    assert page.locator("#file-original").inner_text().startswith(
        "The badge inside is genuine; this PDF was changed after issue.")
    assert page.locator("#file-status").inner_text() == "Valid"
