"""What each role may do in its organisation: one declarative table, role → permissions.

A permission is a Django "app_label.codename". Adding one to a role is one line in `ROLE_PERMISSIONS`.
A change, add or delete permission implies the model's view permission (`role_permissions` adds it),
so a role never edits what it cannot see. Permissions are held per organisation: a user who is an
editor in one organisation and a viewer in another edits the first's courses only
(courses/access/tenancy.py answers "which organisations, for this permission").

Superusers are the installation's operators: they hold every permission everywhere and need no
membership.
"""

from ..models import Role

# Our apps: an owner holds every permission of these, current and future.
OWNED_APPS = ("courses", "issuance", "audit")

CATALOGUE = [
    "organization", "achievement", "ruleset", "rulesetversion", "rulecondition", "certificatetemplate",
    "certificateasset", "certificatesignatory", "emailtemplate", "course", "programme", "programmeconstituent",
    "achievementtext", "emailtemplatevariant",
]
PIPELINE = [
    "completionevent", "parkedevent", "issuance", "credential", "outboxmessage", "learner", "learneridentity",
    "effect", "staffdigest", "renewalreminder", "signedbadgerevision", "outbounddelivery", "outboundfailure",
    "statuslist", "statuslistentry", "suppression", "walletoffer", "pollcursor", "sourcepoll", "programmeaward",
    "namecorrectionrequest", "importedcredential", "credentialimportupload",
]
# Never for a role below owner: signing keys, members, invitations, API keys and sign-in rules (a rule can make
# anyone an owner). Sources and connections are readable (their secrets are write-only everywhere) but only owners change them.
OWNER_ONLY = ["organizationsigningkey", "membership", "invitation", "apikey", "signinrule"]
# No role at all, not even an owner's ALL: a user's API token acts as that user in every organisation they
# belong to (and a superuser's everywhere), so only superusers, the installation's operators, make them.
OPERATORS_ONLY = ["usertoken"]


def _perms(app_label: str, models: list[str], actions: tuple[str, ...]) -> set[str]:
    return {f"{app_label}.{action}_{model}" for model in models for action in actions}


ALL = "*"  # every permission of OWNED_APPS

ROLE_PERMISSIONS: dict[str, set[str] | str] = {
    # Everything in the organisation: members, signing keys, sources and connections included.
    Role.OWNER: ALL,
    # The catalogue: courses, rules, achievements, templates, assets.
    Role.EDITOR: {
        *_perms("courses", [m for m in CATALOGUE if m != "organization"], ("view", "add", "change")),
        "courses.view_organization",
        "courses.delete_rulecondition",
        "courses.delete_certificatesignatory",
        "courses.delete_achievementtext",
        "courses.delete_emailtemplatevariant",
    },
    # The exception queue, issuances, credentials, CSV and roster imports, the outbox.
    Role.OPERATOR: {
        *_perms("courses", CATALOGUE, ("view",)),
        *_perms("issuance", PIPELINE, ("view",)),
        *_perms("issuance", ["completionevent", "parkedevent", "issuance", "credential", "outboxmessage",
                             "outbounddelivery", "outboundfailure", "namecorrectionrequest"], ("change",)),
        "issuance.add_completionevent",  # the CSV upload
        *_perms("issuance", ["suppression"], ("add", "delete")),
        *_perms("issuance", ["source", "sourcecoursemapping", "connection", "connectionmapping"], ("view",)),
        "issuance.resume_issuance",
        *_perms("issuance", ["credential"], ("revoke", "suspend", "unsuspend")),
        "audit.view_auditrecord",
        # Session rosters and issuing one credential by hand (docs/in-person.md); overriding the rules
        # on a hand issue ("issuance.override_rules") is the owner's, who holds every permission.
        "issuance.enter_roster",
        "issuance.view_roster",
        "issuance.issue_by_hand",
        "issuance.view_handissue",
        "issuance.add_credentialimportupload",  # bringing credentials over from another platform (docs/import.md)
        # A learner's data rights (docs/privacy.md): the ZIP of their records, and erasure.
        "issuance.export_learner",
        "issuance.erase_learner",
    },
    # Read-only: the catalogue, the pipeline, the audit trail and the dashboard.
    Role.VIEWER: {
        *_perms("courses", CATALOGUE, ("view",)),
        *_perms("issuance", PIPELINE, ("view",)),
        *_perms("issuance", ["source", "sourcecoursemapping", "connection", "connectionmapping"], ("view",)),
        "audit.view_auditrecord",
    },
    # Roster forms, limited to the courses the membership gives (tenancy.roster_courses_for).
    Role.FACILITATOR: {
        "courses.view_course",
        "issuance.enter_roster",
        "issuance.view_roster",
    },
}


def owner_holds(permission: str) -> bool:
    """Whether an owner's ALL covers this "app_label.codename": every permission of our apps but OPERATORS_ONLY's."""
    return permission.split(".", 1)[0] in OWNED_APPS and permission.rpartition("_")[2] not in OPERATORS_ONLY


def role_permissions(role: str, *, all_permissions: set[str]) -> set[str]:
    """The permissions `role` holds, with the view permission each change/add/delete implies.

    `all_permissions` is every "app_label.codename" that exists (an owner's ALL picks from it)."""
    declared = ROLE_PERMISSIONS.get(role, set())
    if declared == ALL:
        return {p for p in all_permissions if owner_holds(p)}
    implied = set()
    for perm in declared:
        app_label, codename = perm.split(".", 1)
        action, _, model = codename.partition("_")
        if action in ("add", "change", "delete") and model:
            implied.add(f"{app_label}.view_{model}")
    return set(declared) | implied
