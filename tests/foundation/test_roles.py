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
