"""Staff roles as Django groups, kept in step with the code after every migrate.

Least privilege: staff get a role, not superuser. A role lists "app_label.codename" permissions;
codenames that do not exist yet (an app not installed) are skipped.
"""

from django.contrib.auth.models import Group, Permission

CATALOGUE = [
    "organization", "achievement", "ruleset", "rulesetversion", "rulecondition", "certificatetemplate",
    "certificateasset", "certificatesignatory", "emailtemplate", "course",
]


def _perms(app_label: str, models: list[str], actions: tuple[str, ...]) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


ROLES: dict[str, list[str]] = {
    # Configure what is issued and how it looks.
    "Catalogue editors": [
        *_perms("courses", CATALOGUE, ("view", "add", "change")),
        "courses.delete_rulecondition",
        "courses.delete_certificatesignatory",
        "courses.view_organizationsigningkey",
    ],
    # Work the exception queue, resume and regenerate, resend email; read the catalogue and the audit trail.
    "Credential operators": [
        *_perms("courses", CATALOGUE, ("view",)),
        *_perms("issuance", ["completionevent", "parkedevent", "issuance", "credential", "outboxmessage"], ("view", "change")),
        *_perms("issuance", ["source", "sourcecoursemapping", "learner", "effect", "staffdigest", "renewalreminder",
                             "signedbadgerevision"], ("view",)),
        *_perms("issuance", ["suppression"], ("view", "add", "delete")),
        "issuance.resume_issuance",
        *_perms("issuance", ["credential"], ("revoke", "suspend", "unsuspend")),
        *_perms("issuance", ["learner"], ("export", "erase")),
        "audit.view_auditrecord",
    ],
    # Connect LMSs: sources, their secrets and course mappings.
    "Integration managers": [
        *_perms("courses", ["organization", "course"], ("view",)),
        *_perms("issuance", ["source", "sourcecoursemapping"], ("view", "add", "change", "delete")),
        *_perms("issuance", ["completionevent"], ("view",)),
    ],
}


def roles_sync(**kwargs) -> None:
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)
