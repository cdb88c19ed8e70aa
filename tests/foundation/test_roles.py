from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import CourseFactory, StaffUserFactory


def test_a_catalogue_editor_edits_courses_but_cannot_manage_users(client, db):
    editor = StaffUserFactory(username="editor", is_superuser=False)
    editor.groups.add(Group.objects.get(name="Catalogue editors"))
    client.force_login(editor)
    course = CourseFactory()
    assert client.get(reverse("admin:courses_course_change", args=[course.pk])).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.post(reverse("admin:courses_course_delete", args=[course.pk]), {"post": "yes"}).status_code == 403


def test_an_operator_sees_the_catalogue_read_only(client, db):
    operator = StaffUserFactory(username="operator", is_superuser=False)
    operator.groups.add(Group.objects.get(name="Credential operators"))
    client.force_login(operator)
    course = CourseFactory()
    page = client.get(reverse("admin:courses_course_change", args=[course.pk])).content.decode()
    assert 'name="title"' not in page
    assert client.get(reverse("admin:courses_course_add")).status_code == 403


def test_every_permission_a_role_names_exists(db):
    from django.contrib.auth.models import Permission

    from credentials_site.roles import ROLES

    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    missing = {perm for perms in ROLES.values() for perm in perms} - existing
    assert not missing, f"roles name permissions that do not exist: {sorted(missing)}"


def test_an_operator_works_the_exception_queue_but_cannot_edit_audit_or_sources(client, db):
    operator = StaffUserFactory(username="operator", is_superuser=False)
    operator.groups.add(Group.objects.get(name="Credential operators"))
    client.force_login(operator)
    assert client.get(reverse("admin:issuance_parkedevent_changelist")).status_code == 200
    assert client.get(reverse("admin:issuance_issuance_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditrecord_changelist")).status_code == 200
    assert client.get(reverse("admin:issuance_source_add")).status_code == 403
