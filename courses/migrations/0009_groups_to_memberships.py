"""The three global staff groups become memberships: each member of a group, in every organisation.

Before memberships every staff user saw every organisation, so a group member becomes a member of
each existing organisation with the role that does what the group did (docs/organisations.md):
"Catalogue editors" → editor, "Credential operators" → operator, "Integration managers" → owner (only
owners manage sources and connections now). Someone in several groups gets the first of owner,
operator, editor. The users leave the groups and the groups are deleted, so no permission is held
outside an organisation any more. Superusers need no membership; staff in no group get none.
"""

from django.db import migrations

GROUP_ROLES = {"Integration managers": "owner", "Credential operators": "operator", "Catalogue editors": "editor"}
RANK = ["owner", "operator", "editor"]


def groups_to_memberships(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Organization = apps.get_model("courses", "Organization")
    Membership = apps.get_model("courses", "Membership")
    roles_by_user: dict[int, str] = {}
    for group in Group.objects.filter(name__in=GROUP_ROLES):
        role = GROUP_ROLES[group.name]
        for user in group.user_set.filter(is_staff=True, is_superuser=False):
            held = roles_by_user.get(user.pk)
            roles_by_user[user.pk] = role if held is None else min(held, role, key=RANK.index)
    for organization in Organization.objects.all():
        for user_id, role in roles_by_user.items():
            Membership.objects.get_or_create(user_id=user_id, organization=organization, defaults={"role": role})
    Group.objects.filter(name__in=GROUP_ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ('courses', '0008_memberships_and_invitations'),
    ]

    operations = [migrations.RunPython(groups_to_memberships, migrations.RunPython.noop)]
