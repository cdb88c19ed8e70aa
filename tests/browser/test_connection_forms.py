"""Connection pages and the dashboard's outbound cards in Chromium at 1280 px (#30): every setting a visible input,
HubSpot's and Salesforce's mapping a table of rows, rows added and saved from the page, nothing wider than the screen."""

from datetime import timedelta

from django.utils import timezone

from issuance.models import Connection
from issuance.outbound.connections import connection_add
from tests.factories.courses import OrganizationFactory

from .test_admin_inputs_visible import invisible_inputs

WHSEC = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"
WIDEST = """() => [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > window.innerWidth)
    .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""


def _connections():
    organization = OrganizationFactory(slug="harbour", name="Harbour Training")
    made = {}
    for kind, secret, settings in [
        ("credly", "t", {"organization_id": "org-1"}),
        ("badgr", "p", {"username": "issuer@harbour.example"}),
        ("accredible", "k", {}),
        ("hubspot", "t", {"properties": "firstname=first_name,lastname=last_name,last_credential=achievement"}),
        ("salesforce", "s", {"base_url": "https://harbour.my.salesforce.com", "client_id": "ck-1"}),
        ("webhook", WHSEC, {"url": "https://hooks.harbour.example/laurel", "events": "credential.issued,credential.revoked"}),
    ]:
        made[kind], _ = connection_add(organization=organization, kind=kind, secret=secret, settings=settings)
    return made


def test_every_kind_is_edited_with_visible_fields_and_the_mapping_as_rows(superuser_page, shots):
    page = superuser_page
    made = _connections()
    for kind, connection in made.items():
        url = f"/admin/issuance/connection/{connection.pk}/change/"
        assert invisible_inputs(page, url) == [], kind
        assert page.locator("textarea[name=settings]").count() == 0, f"{kind}: no JSON box"
        assert not page.evaluate(WIDER_THAN_SCREEN), f"{kind}'s page is wider than 1280 px"
        assert page.locator("input[type=password][name=secret]").is_visible()
        page.screenshot(path=str(shots / f"connection-{kind}.png"), full_page=True)
    assert invisible_inputs(page, "/admin/issuance/connection/add/") == []

    page.goto(f"/admin/issuance/connection/{made['hubspot'].pk}/change/")
    rows = page.locator("table[data-pairs=hubspot__properties] tbody tr")
    assert rows.count() == 6  # three stored, three spare
    assert page.input_value("#id_hubspot__properties_2_name") == "last_credential"
    page.fill("#id_hubspot__properties_3_name", "credential_url")
    page.select_option("#id_hubspot__properties_3_field", "credential_url")
    page.click("input[name=_continue], button[name=_continue]")
    page.wait_for_load_state()
    assert Connection.objects.get(pk=made["hubspot"].pk).settings["properties"] == (
        "firstname=first_name,lastname=last_name,last_credential=achievement,credential_url=credential_url")
    assert page.locator("table[data-pairs=hubspot__properties] tbody tr").count() == 7

    # More rows than the spare ones, without saving in between: "Add a row" numbers each after the last.
    for _ in range(4):
        page.click("button[data-pairs-add=hubspot__properties]")
    assert page.locator("table[data-pairs=hubspot__properties] tbody tr").count() == 11
    assert page.evaluate("() => document.activeElement.id") == "id_hubspot__properties_10_name"
    assert page.input_value("#id_hubspot__properties_10_name") == "" and page.input_value("#id_hubspot__properties_10_field") == ""
    assert page.get_attribute("#id_hubspot__properties_10_name", "aria-label") == "HubSpot property, row 11"
    page.fill("#id_hubspot__properties_10_name", "course_code")
    page.select_option("#id_hubspot__properties_10_field", "course_code")
    page.click("input[name=_continue], button[name=_continue]")
    page.wait_for_load_state()
    assert Connection.objects.get(pk=made["hubspot"].pk).settings["properties"].endswith(
        ",credential_url=credential_url,course_code=course_code")


def test_the_dashboard_shows_a_card_per_connection_and_an_unhealthy_one_says_so(superuser_page, shots):
    page = superuser_page
    made = _connections()
    Connection.objects.filter(pk=made["credly"].pk).update(
        failing_since=timezone.now() - timedelta(minutes=45), last_error_at=timezone.now(),
        last_error="Attempt 4: Could not reach api.credly.com (the name does not resolve). Check the address or your network. "
                   "Technical detail: GET https://api.credly.com/v1/organizations/org-1/badges: NameResolutionError")
    page.goto("/admin/")
    card = page.locator(f"[data-connection='{made['credly'].pk}']")
    assert "Unhealthy: every call has failed since" in card.inner_text()
    assert "Could not reach api.credly.com" in card.inner_text()
    assert not page.locator("[data-last-error] details code").first.is_visible(), "the detail starts folded"
    page.locator("[data-last-error] summary").first.click()
    assert page.locator("[data-last-error] details code").first.is_visible()
    assert page.locator("[data-connection]").count() == 6
    assert not page.evaluate(WIDER_THAN_SCREEN), page.evaluate(WIDEST)
    page.locator("#outbound").screenshot(path=str(shots / "dashboard-outbound.png"))
