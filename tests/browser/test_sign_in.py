"""Signing in to the admin in a real browser."""

from tests.browser.conftest import sign_in


def test_a_superuser_signs_in_and_reaches_the_admin_home(superuser_page):
    assert superuser_page.url.endswith("/admin/")
    assert superuser_page.locator("#user-tools, [data-user-tools]").count() or "Log out" in superuser_page.content()


def test_a_wrong_password_stays_on_the_sign_in_page_with_an_error(page, django_user_model):
    django_user_model.objects.create_superuser("admin@example.org", "admin@example.org", "right-password")
    sign_in(page, "admin@example.org", "wrong-password")
    assert "/admin/login/" in page.url
    assert "correct username and password" in page.content()
