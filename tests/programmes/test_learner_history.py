"""Where a learner stands on each programme: on their own page (/me) and on their history in the admin, the same words."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from issuance.models import Issuance, Learner
from tests.factories.courses import member
from tests.learner_page.conftest import sign_in
from tests.pipeline.conftest import complete, drive

ANN = "ann@learners.example"


def staff_history(client, org, learner):
    user = get_user_model().objects.create_user("operator", "operator@harbour.example", "correct horse battery staple",
                                                is_staff=True)
    member(user, org, "operator")
    client.force_login(user)
    return client.get(reverse("admin:issuance_learner_change", args=[learner.pk])).content.decode()


def test_staff_see_on_the_learners_history_the_progress_their_own_page_shows(smtp, client, org, courses, make_programme):
    programme = make_programme()
    make_programme(code="FA-ONLY", name="First Aider", codes=("FA-101",))
    drive(complete(courses["FA-101"], email=ANN))
    drive(complete(courses["MH-101"], email=ANN))
    learner = Learner.objects.get(email=ANN)

    sign_in(client, smtp, ANN)
    own_page = client.get(reverse("learner-page")).content.decode()
    history = staff_history(client, org, learner)

    assert "2 of 3 done: Fire Safety remains." in own_page
    assert (f'href="{reverse("admin:courses_programme_change", args=[programme.pk])}">Workplace Safety Officer</a></td>'
            "<td>2 of 3 done: Fire Safety remains.</td><td>not awarded</td>") in history
    [first_aider] = Issuance.objects.filter(course__code="FA-ONLY")
    credential = drive(first_aider).credential
    history = client.get(reverse("admin:issuance_learner_change", args=[learner.pk])).content.decode()
    assert ("<td>1 of 1 done.</td><td><a class=\"text-primary-600\" href=\""
            + reverse("admin:issuance_credential_change", args=[credential.pk]) + '">awarded (active)</a></td>') in history


def test_the_history_says_so_when_no_programme_counts_their_credentials(smtp, client, org, courses):
    drive(complete(courses["FA-101"], email=ANN))
    history = staff_history(client, org, Learner.objects.get(email=ANN))
    assert "No programme counts any of their credentials." in history
