"""Connections: settings validated against their kind, the secret encrypted at rest, the achievement mapping."""

from django.db import transaction
from django.utils import timezone

from courses.keys.crypto import secret_decrypt, secret_encrypt
from courses.models import Course, Organization

from ..models import Connection, ConnectionMapping, Credential, OutboundDelivery
from .connectors.base import Connector, OutboundError
from .payloads import credential_facts, credential_payload
from .registry import connector_for, connectors_load
from .rest.connector import rest_test_request, rest_test_send


class ConnectionSettingsError(ValueError):
    """A setting, secret or mapping that cannot be used, with what was received and what is valid.

    `setting`: the one setting at fault, when it is one (the admin shows the message beside its field).
    """

    def __init__(self, message: str, *, setting: str = ""):
        super().__init__(message)
        self.setting = setting


def connection_settings_clean(*, kind: str, settings: dict) -> dict:
    """The settings with defaults filled in; unknown names and bad values refused, listing the valid ones."""
    connector = connector_for(kind)
    whole = getattr(connector, "settings_clean", None)  # a kind whose settings are one document (rest)
    if whole is not None:
        try:
            return whole(settings)
        except ValueError as exc:
            raise ConnectionSettingsError(f"{kind}: {exc}") from None
    schema = connector.settings
    valid = ", ".join(f"{name} (default {s.default!r})" if s.default else name for name, s in schema.items())
    unknown = sorted(set(settings) - set(schema))
    if unknown:
        raise ConnectionSettingsError(f"{kind} has no setting {', '.join(map(repr, unknown))}; its settings are: {valid}.")
    cleaned = {}
    for name, spec in schema.items():
        value = str(settings.get(name, "") or "").strip() or spec.default
        if not value:
            if spec.required:
                raise ConnectionSettingsError(f"{kind} needs the setting {name!r} ({spec.help}); its settings are: {valid}.",
                                              setting=name)
            continue
        if spec.check is not None:
            try:
                spec.check(value)
            except ValueError as exc:
                raise ConnectionSettingsError(f"{kind} setting {name!r} {exc}. Its settings are: {valid}.", setting=name) from None
        cleaned[name] = value
    check = getattr(connector, "settings_check", None)  # rules across settings (which ones a choice needs)
    if check is not None:
        try:
            check(cleaned)
        except ValueError as exc:
            raise ConnectionSettingsError(f"{kind} {exc}; its settings are: {valid}.", setting=getattr(exc, "setting", "")) from None
    return cleaned


def connection_secret(connection: Connection) -> str:
    return secret_decrypt(token=connection.secret_encrypted) if connection.secret_encrypted else ""


def connection_secret_missing(connection: Connection, secret: str) -> str:
    """The sentence for a connection whose kind needs a secret and has none stored; "" when nothing is missing."""
    connector = connector_for(connection.kind)
    if secret or not connector.secret_needed(connection.settings):
        return ""
    return (f"No secret is stored for this connection: set {connector.secret_label} on the connection's page "
            "(or with connection_add --secret), then send a test.")


def connection_secret_set(connection: Connection, secret: str) -> None:
    connector = connector_for(connection.kind)
    check = getattr(connector, "secret_check", None)
    if check is not None:
        try:
            check(secret)
        except ValueError as exc:
            raise ConnectionSettingsError(f"{connection.kind} secret ({connector.secret_label}) {exc}.") from None
    connection.secret_encrypted = secret_encrypt(text=secret)


@transaction.atomic
def connection_add(*, organization: Organization, kind: str, name: str = "", secret: str | None = None,
                   settings: dict | None = None, mappings: dict[str, str] | None = None) -> tuple[Connection, bool]:
    """Create or update the connection named `name` (default: the kind) of this organisation. Returns it and whether it is new.

    Settings given replace those stored one by one; a secret is kept unless a new one is given;
    `mappings` maps a course code to the remote id of the achievement that course awards.
    """
    connector = connector_for(kind)
    name = (name or kind).strip()
    connection = Connection.objects.select_for_update(no_key=True).filter(organization=organization, kind=kind, name=name).first()
    created = connection is None
    if created:
        connection = Connection(organization=organization, kind=kind, name=name)
    if getattr(connector, "settings_clean", None) is not None and settings:  # one document: the new one replaces the old
        connection.settings = connection_settings_clean(kind=kind, settings=settings)
    else:
        connection.settings = connection_settings_clean(kind=kind, settings={**(connection.settings or {}), **(settings or {})})
    if secret:
        connection_secret_set(connection, secret)
    elif not connection.secret_encrypted and connector.secret_needed(connection.settings):
        raise ConnectionSettingsError(f"{kind} needs --secret: {connector.secret_label}.")
    connection.save()
    for code, remote_id in (mappings or {}).items():
        mapping_set(connection=connection, course_code=code, remote_id=remote_id)
    return connection, created


def mapping_set(*, connection: Connection, course_code: str, remote_id: str) -> ConnectionMapping:
    course = Course.objects.filter(organization=connection.organization, code=course_code).select_related("achievement").first()
    if course is None:
        codes = ", ".join(Course.objects.filter(organization=connection.organization).values_list("code", flat=True)[:50])
        raise ConnectionSettingsError(f"{connection.organization.slug} has no course {course_code!r}; its courses are: {codes or 'none'}.")
    if not remote_id.strip():
        raise ConnectionSettingsError(f"--map {course_code}= needs the platform's id after '='.")
    mapping, _ = ConnectionMapping.objects.update_or_create(
        connection=connection, achievement=course.achievement, defaults={"remote_id": remote_id.strip()}
    )
    return mapping


def connection_test(*, connection: Connection) -> str:
    """Staff's "send a test": harmless requests; the answer (or the error) is kept on the connection.

    Where the kind can, each mapping is checked too (the badge class exists and may be awarded),
    since the platform would otherwise say so only when the first learner's award fails.
    """
    connector: Connector = connector_for(connection.kind)
    secret = connection_secret(connection)
    missing = connection_secret_missing(connection, secret)
    if missing:
        Connection.objects.filter(pk=connection.pk).update(last_test_at=timezone.now(), last_test_result=f"Failed (permanent): {missing}")
        connection.last_test_result = f"Failed (permanent): {missing}"
        return connection.last_test_result
    try:
        result = "OK: " + connector.test(settings=connection.settings, secret=secret)
        mappings = {str(m.achievement): m.remote_id for m in connection.mappings.select_related("achievement").order_by("pk")}
        problems = connector.mappings_check(settings=connection.settings, secret=secret, mappings=mappings) if mappings else []
        if problems:
            result = "Failed (permanent): " + " ".join(problems) + f" ({result.removeprefix('OK: ')})"
        elif mappings and type(connector).mappings_check is not Connector.mappings_check:
            result += f" {len(mappings)} mapping(s) checked."
    except OutboundError as exc:
        result = f"Failed ({'permanent' if exc.permanent else 'transient'}): {exc}"
    Connection.objects.filter(pk=connection.pk).update(last_test_at=timezone.now(), last_test_result=result[:2000])
    connection.last_test_result = result
    return result


def connection_kinds() -> list[str]:
    return sorted(connectors_load())


def connection_call_test(*, connection: Connection, credential: Credential, action: str, send: bool) -> dict:
    """A rest connection's "Send a test": the exact request for this credential and event (secrets masked) and,
    when `send`, the answer to it. No delivery row is made; a sent test is kept as the connection's last test.

    The credential must be of the connection's organisation (the caller scopes the choice; this refuses too).
    """
    if connection.kind != "rest":
        raise ConnectionSettingsError(f"Send a test with a credential is for rest connections; {connection.kind} has “Send a test” in the list.")
    if credential.issuance.organization_id != connection.organization_id:
        raise ConnectionSettingsError("Choose a credential of the connection's own organisation.")
    payload = {"type": action, "timestamp": timezone.now().isoformat(), "data": credential_payload(credential=credential),
               "facts": credential_facts(credential=credential, connection=connection)}
    stored = (OutboundDelivery.objects.filter(connection=connection, credential=credential).exclude(remote_id="")
              .order_by("-pk").values_list("remote_id", flat=True).first()) or ""
    try:
        shown = rest_test_request(settings=connection.settings, action=action, payload=payload, external_id=stored)
    except OutboundError as exc:
        return {"request": "", "answer": f"Failed (permanent): {exc}", "external_id": stored}
    if not shown:
        return {"request": "", "answer": f"No call is configured for {action}.", "external_id": stored}
    answer = ""
    if send:
        answer = rest_test_send(settings=connection.settings, secret=connection_secret(connection), action=action,
                                payload=payload, external_id=stored)
        Connection.objects.filter(pk=connection.pk).update(last_test_at=timezone.now(), last_test_result=answer[:2000])
    return {"request": shown, "answer": answer, "external_id": stored}
