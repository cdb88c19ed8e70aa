"""Staff roles as Django groups, kept in step with the code after every migrate.

Least privilege: staff get a role, not superuser. A role lists "app_label.codename" permissions;
codenames that do not exist yet (an app not installed) are skipped.
"""

from django.contrib.auth.models import Group, Permission

CATALOGUE = ["organization", "achievement", "ruleset", "rulesetversion", "rulecondition", "certificatetemplate", "emailtemplate", "course"]

ROLES: dict[str, list[str]] = {
    "Catalogue editors": [
        *(f"courses.{action}_{model}" for model in CATALOGUE for action in ("view", "add", "change")),
        "courses.delete_rulecondition",
    ],
    "Credential operators": [
        *(f"courses.view_{model}" for model in CATALOGUE),
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
