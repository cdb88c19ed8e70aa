from django.urls import reverse

from tests.factories.courses import CourseFactory, OrganizationFactory, StaffUserFactory, member


def test_a_catalogue_editor_edits_courses_but_cannot_manage_users(client, db):
    editor = StaffUserFactory(username="editor", is_superuser=False)
    course = CourseFactory()
    member(editor, course.organization, "editor")
    client.force_login(editor)
    assert client.get(reverse("admin:courses_course_change", args=[course.pk])).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.post(reverse("admin:courses_course_delete", args=[course.pk]), {"post": "yes"}).status_code == 403


def test_an_operator_sees_the_catalogue_read_only(client, db):
    operator = StaffUserFactory(username="operator", is_superuser=False)
    course = CourseFactory()
    member(operator, course.organization, "operator")
    client.force_login(operator)
    page = client.get(reverse("admin:courses_course_change", args=[course.pk])).content.decode()
    assert 'name="title"' not in page
    assert client.get(reverse("admin:courses_course_add")).status_code == 403


def test_every_permission_a_role_names_exists(db):
    from django.contrib.auth.models import Permission

    from courses.access.roles import ALL, ROLE_PERMISSIONS, role_permissions

    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    named = {perm for role, perms in ROLE_PERMISSIONS.items() if perms != ALL
             for perm in role_permissions(role, all_permissions=existing)}
    missing = named - existing
    assert not missing, f"roles name permissions that do not exist: {sorted(missing)}"


def test_an_operator_works_the_exception_queue_but_cannot_edit_audit_or_sources(client, db):
    operator = StaffUserFactory(username="operator", is_superuser=False)
    member(operator, OrganizationFactory(), "operator")
    client.force_login(operator)
    assert client.get(reverse("admin:issuance_parkedevent_changelist")).status_code == 200
    assert client.get(reverse("admin:issuance_issuance_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditrecord_changelist")).status_code == 200
    assert client.get(reverse("admin:issuance_source_add")).status_code == 403
