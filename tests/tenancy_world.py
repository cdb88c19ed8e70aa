"""One organisation with a row of every kind Laurel keeps, for the two-organisation tests.

`organization_world(slug)` makes them through the models (and the services where one exists), so
each admin page and API endpoint has an object of that organisation to be asked about.
"""

import uuid
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from audit.services import audit_record
from courses.access.api_keys import api_key_create
from courses.access.user_tokens import user_token_create
from courses.defaults import organization_install_default_templates
from courses.programmes import programme_create
from courses.models import (
    CertificateAsset,
    CertificateSignatory,
    CertificateTemplate,
    Invitation,
    Membership,
    RuleCondition,
    SignInRule,
)
from issuance.models import (
    CompletionEvent,
    Connection,
    CredentialImportUpload,
    ConnectionMapping,
    Effect,
    HandIssue,
    ImportedCredential,
    LearnerIdentity,
    NameCorrectionRequest,
    OutboundDelivery,
    OutboxMessage,
    RenewalReminder,
    Roster,
    RosterRow,
    SignedBadgeRevision,
    StaffDigest,
    StatusList,
    StatusListEntry,
    Suppression,
    WalletOffer,
)
from tests.factories.courses import (
    CourseFactory,
    OrganizationFactory,
    RuleSetVersionFactory,
    StaffUserFactory,
)
from tests.factories.issuance import CredentialFactory, SourceCourseMappingFactory, SourceFactory

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")


def organization_world(slug: str) -> dict:
    """Every kind of row, for organisation `slug`; returns the main ones by name."""
    organization = OrganizationFactory(slug=slug, name=f"{slug.title()} Academy")
    organization_install_default_templates(organization=organization)
    version = RuleSetVersionFactory(ruleset__organization=organization)
    RuleCondition.objects.create(version=version, path="extra.department", operator=RuleCondition.Operator.EQUALS,
                                 value="nursing")
    template = CertificateTemplate.objects.filter(organization=organization).first()
    course = CourseFactory(organization=organization, ruleset=version.ruleset, certificate_template=template,
                           code=f"{slug.upper()}-101")
    asset = CertificateAsset(organization=organization, name=f"{slug}-seal", kind=CertificateAsset.Kind.SEAL)
    asset.file.save(f"{slug}-seal.png", ContentFile(PNG), save=True)
    CertificateSignatory.objects.create(template=template, name=f"Dean of {slug}", title="Dean")
    source = SourceFactory(organization=organization, slug=f"{slug}-lms-{uuid.uuid4().hex[:6]}",
                           signing_secret=f"whsec_{slug}SecretOnlyItsOwnersMaySee0000000000=")
    SourceCourseMappingFactory(source=source, course=course, external_id=f"{slug}-ext-1")
    event = CompletionEvent.objects.create(source=source, external_id=f"{slug}-evt-1", body=b"{}")
    parked = CompletionEvent.objects.create(source=source, external_id=f"{slug}-evt-parked", body=b"{}",
                                            status=CompletionEvent.Status.PARKED, parked_at=timezone.now(),
                                            errors=[{"field": "email", "message": "missing"}])
    credential = CredentialFactory(issuance__course=course, issuance__event=event,
                                   issuance__learner__email=f"ana@{slug}.example",
                                   issuance__learner__name=f"Ana of {slug}", valid_until=timezone.now() + timedelta(days=30))
    issuance = credential.issuance
    LearnerIdentity.objects.create(learner=credential.learner, source=source, external_id=f"{slug}-learner-1")
    Effect.objects.create(key=f"test:{uuid.uuid4()}", issuance=issuance, kind="email")
    message = OutboxMessage.objects.create(
        organization=organization, issuance=issuance, kind="credential", idempotency_key=f"test:{uuid.uuid4()}",
        recipient=credential.learner.email, from_email=organization.sender_email, subject=f"Your {slug} credential",
        text_body="Hello", attachments=[])
    Suppression.objects.create(organization=organization, address=f"bounced@{slug}.example",
                               reason=Suppression.Reason.MANUAL)
    connection = Connection.objects.create(organization=organization, kind="webhook", name=f"{slug} hook",
                                           settings={"url": f"https://{slug}.example/hook"})
    ConnectionMapping.objects.create(connection=connection, achievement=course.achievement, remote_id="remote-1")
    OutboundDelivery.objects.create(organization=organization, connection=connection, issuance=issuance,
                                    credential=credential, action="credential.issued",
                                    idempotency_key=f"test:{uuid.uuid4()}", status=OutboundDelivery.Status.FAILED)
    RenewalReminder.objects.create(credential=credential, offset_days=30, due_on=date.today(),
                                   outcome=RenewalReminder.Outcome.QUEUED, message=message)
    SignedBadgeRevision.objects.create(credential=credential, document={"id": "urn:x"}, sha256="0" * 64,
                                       reason="name corrected")
    NameCorrectionRequest.objects.create(credential=credential, current_name="Ann Lee", requested_name="Ann Leigh")
    status_list = StatusList.objects.create(organization=organization, purpose=StatusList.Purpose.REVOCATION,
                                            number=1, issuer_id=f"https://{slug}.example/issuer")
    StatusListEntry.objects.create(status_list=status_list, index=7, credential=credential,
                                   purpose=StatusList.Purpose.REVOCATION)
    StaffDigest.objects.create(organization=organization, sent_at=timezone.now(), event_count=1,
                               recipient=organization.notification_email)
    audit_record(to_state="validated", actor_kind="system", actor_label="system", issuance=issuance,
                 detail=f"{slug} record")
    owner = StaffUserFactory(username=f"owner@{slug}.example", email=f"owner@{slug}.example", is_superuser=False)
    Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
    api_key, _ = api_key_create(organization=organization, name=f"{slug} sync", created_by=owner)
    user_token_create(user=owner)
    Invitation.objects.create(organization=organization, email=f"new@{slug}.example", role=Membership.Role.VIEWER,
                              token_hash=uuid.uuid4().hex, invited_by=owner,
                              expires_at=timezone.now() + timedelta(days=7))
    SignInRule.objects.create(organization=organization, claim="groups", value=f"{slug}-staff", role=Membership.Role.VIEWER)
    programme_create(organization=organization, code=f"{slug.upper()}-PATH", name=f"{slug.title()} Pathway",
                     constituents=[course.achievement])
    roster = Roster.objects.create(course=course, session_date=date.today(), created_by=owner)
    RosterRow.objects.create(roster=roster, position=1)
    HandIssue.objects.create(course=course, email=f"hand@{slug}.example", name=f"Hand of {slug}",
                             completed_on=date.today(), reason=f"{slug} paper sheet", requested_by=owner)
    CredentialImportUpload.objects.create(organization=organization, source="credly", file_name=f"{slug}.csv",
                                          body=b"id,recipient_email\n", uploaded_by=owner)
    ImportedCredential.objects.create(issuance=issuance, learner=issuance.learner, source="credly",
                                      original_id=f"{slug}-badge-1", source_badge="First Aid", row=2)
    WalletOffer.objects.create(credential=credential, protocol=WalletOffer.Protocol.LCW, link_hash=uuid.uuid4().hex,
                               code_hash=uuid.uuid4().hex, created_by="the credential email",
                               expires_at=timezone.now() + timedelta(days=30))
    return {"organization": organization, "course": course, "source": source, "event": event, "parked": parked,
            "issuance": issuance, "credential": credential, "template": template, "connection": connection,
            "owner": owner, "asset": asset, "api_key": api_key}
