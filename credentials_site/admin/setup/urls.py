"""The set-up's addresses, under the courses list (/admin/courses/course/setup/…), each behind the admin's sign-in."""

from django.urls import path

from credentials_site.admin.setup import views


def course_setup_urls(admin_site) -> list:
    def page(view):
        return admin_site.admin_view(lambda request, **kwargs: view(request, admin_site=admin_site, **kwargs))

    return [
        path("setup/", page(views.setup_index), name="course_setup"),
        path("setup/new/", page(views.setup_new), name="course_setup_new"),
        path("setup/<int:pk>/course/", page(views.setup_course), name="course_setup_course"),
        path("setup/<int:pk>/look/", page(views.setup_look), name="course_setup_look"),
        path("setup/<int:pk>/look/preview.png", page(views.setup_preview), name="course_setup_preview"),
        path("setup/<int:pk>/look/email/", page(views.setup_email_preview), name="course_setup_email_preview"),
        path("setup/<int:pk>/completions/", page(views.setup_completions), name="course_setup_completions"),
        path("setup/<int:pk>/live/", page(views.setup_live), name="course_setup_live"),
        path("setup/<int:pk>/live/test.png", page(views.setup_test_png), name="course_setup_test_png"),
    ]
