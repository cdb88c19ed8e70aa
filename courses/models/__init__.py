"""The catalogue: who issues, what they teach, what it takes, and how credentials look."""

from .api_keys import ApiKey, UserToken
from .courses import Course
from .keys import OrganizationSigningKey
from .language_texts import (
    AchievementText,
    CertificateTemplateVariant,
    EmailTemplateVariant,
    achievement_text_in,
    certificate_template_in,
    email_template_in,
    email_template_languages,
    template_languages,
)
from .memberships import Invitation, Membership, Role, SignInRule
from .organizations import Achievement, Organization, organization_asset_path
from .programmes import Programme, ProgrammeConstituent
from .setup import CourseSetup
from .rules import FrozenVersionError, RuleCondition, RuleSet, RuleSetVersion
from .templates import CertificateAsset, CertificateSignatory, CertificateTemplate, EmailTemplate

__all__ = [
    "Achievement",
    "AchievementText",
    "ApiKey",
    "CertificateAsset",
    "CertificateSignatory",
    "CertificateTemplate",
    "CertificateTemplateVariant",
    "Course",
    "CourseSetup",
    "EmailTemplate",
    "EmailTemplateVariant",
    "FrozenVersionError",
    "Invitation",
    "Membership",
    "Organization",
    "Programme",
    "ProgrammeConstituent",
    "OrganizationSigningKey",
    "Role",
    "RuleCondition",
    "RuleSet",
    "RuleSetVersion",
    "SignInRule",
    "UserToken",
    "achievement_text_in",
    "certificate_template_in",
    "email_template_in",
    "email_template_languages",
    "organization_asset_path",
    "template_languages",
]
