"""`manage.py connection_add`: idempotent on organisation + kind + name, settings checked against the kind."""

import pytest
from django.core.management import CommandError, call_command

from issuance.models import Connection
from issuance.outbound.connections import connection_secret


def _run(*args):
    call_command("connection_add", *args)
    return Connection.objects.get(organization__slug="academy", kind=args[args.index("--kind") + 1])


def test_it_creates_a_connection_with_the_documented_defaults_and_an_encrypted_secret(course):
    connection = _run("--org", "academy", "--kind", "credly", "--secret", "tok-123", "--setting", "organization_id=org-9",
                      "--map", "SAFE-101=tmpl-1")
    assert connection.name == "credly" and connection.enabled
    assert connection.settings == {"base_url": "https://api.credly.com/v1", "organization_id": "org-9", "auth_style": "colon"}
    assert "tok-123" not in connection.secret_encrypted and connection_secret(connection) == "tok-123"
    assert connection.mappings.get().remote_id == "tmpl-1"


def test_running_it_again_updates_the_same_connection_and_keeps_the_secret(course):
    _run("--org", "academy", "--kind", "webhook", "--secret", "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE=",
         "--setting", "url=https://hooks.example/laurel")
    connection = _run("--org", "academy", "--kind", "webhook", "--setting", "events=credential.issued,credential.revoked")
    assert Connection.objects.count() == 1
    assert connection.settings == {"url": "https://hooks.example/laurel", "events": "credential.issued,credential.revoked"}
    assert connection_secret(connection).startswith("whsec_")


def test_salesforce_defaults_are_the_documented_ones(course):
    connection = _run("--org", "academy", "--kind", "salesforce", "--secret", "s", "--setting", "base_url=https://acme.my.salesforce.com",
                      "--setting", "client_id=abc")
    assert connection.settings["object"] == "Credential__c"
    assert connection.settings["external_id_field"] == "External_Id__c"
    assert connection.settings["contact_external_id_field"] == "Email"
    assert connection.settings["api_version"] == "v60.0"


@pytest.mark.parametrize("args, message", [
    (["--kind", "credly", "--secret", "t", "--setting", "organization_id=o", "--setting", "colour=red"],
     "credly has no setting 'colour'; its settings are: base_url"),
    (["--kind", "credly", "--secret", "t"], "needs the setting 'organization_id'"),
    (["--kind", "credly", "--secret", "t", "--setting", "organization_id=o", "--setting", "base_url=ftp://x"], "must be an absolute https:// URL"),
    (["--kind", "webhook", "--secret", "nope", "--setting", "url=https://h.example"], "must be whsec_"),
    (["--kind", "webhook", "--secret", "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE=", "--setting", "url=https://h.example",
      "--setting", "events=credential.eaten"], "unknown events credential.eaten; the events are"),
    (["--kind", "fax", "--secret", "t"], "Unknown kind 'fax'; the kinds are: accredible, badgr, credly, hubspot, rest, salesforce, webhook"),
    (["--kind", "badgr", "--secret", "p", "--setting", "username=u", "--map", "NOPE=bc"], "has no course 'NOPE'; its courses are: SAFE-101"),
    (["--kind", "hubspot", "--setting", "base_url=https://api.hubapi.com"], "needs --secret"),
])
def test_it_refuses_bad_settings_listing_the_valid_ones(course, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("connection_add", "--org", "academy", *args)
    assert Connection.objects.count() == 0


def test_it_names_the_organisations_when_the_slug_is_wrong(course):
    with pytest.raises(CommandError, match="No organisation 'nope'; the organisations are: academy"):
        call_command("connection_add", "--org", "nope", "--kind", "credly")


def test_a_plain_http_url_is_refused_unless_private_targets_are_allowed(course, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(CommandError, match="must be an absolute https:// URL"):
        call_command("connection_add", "--org", "academy", "--kind", "webhook", "--secret",
                     "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE=", "--setting", "url=http://hooks.example/laurel")


def test_a_connection_is_named_once_in_messages(course):
    # 'The connection “credly “Credly” (harbour)” was added' named the kind twice and nested the quotes.
    credly = Connection(organization=course.organization, kind="credly", name="Credly")
    alerts = Connection(organization=course.organization, kind="slack", name="Team alerts")
    assert (str(credly), str(alerts)) == ("Credly (academy)", "Team alerts (academy, slack)")


def test_a_connection_with_no_secret_stored_says_so_on_a_test_and_fails_its_deliveries_for_good(credential):
    # A row made without one (by hand, or before its secret was set): Standard Webhooks refuses to sign with an
    # empty secret, which ended "Send a test" in a 500 and left deliveries retrying as if the outcome were unknown.
    from issuance.models import OutboundDelivery
    from issuance.outbound.connections import connection_test
    from issuance.outbound.deliveries import delivery_perform

    connection = Connection.objects.create(organization=credential.issuance.organization, kind="webhook", name="no secret",
                                           settings={"url": "https://hooks.example/laurel"})
    assert connection_test(connection=connection).startswith("Failed (permanent): No secret is stored for this connection")
    delivery = OutboundDelivery.objects.create(organization=connection.organization, connection=connection,
                                               issuance=credential.issuance, credential=credential,
                                               action="credential.issued", payload={"data": {}})
    delivery = delivery_perform(delivery_id=delivery.pk)
    assert delivery.status == OutboundDelivery.Status.FAILED and "No secret is stored" in delivery.last_error
