"""No admin button ends on an error page (walk-through M4: "Save and continue editing" on a fixed parked
event ended on Django's 404 page). In a real browser, on every add page and on the change page of a row
of every model (test_admin_inputs_visible.add_and_change_pages), each submit button of the page's
forms is pressed, on a freshly loaded page each time: the save buttons, the object's action buttons
(Resume, Revoke, Check connection, ...) and a page's own buttons (Generate a new secret, ...). The
page it ends on must answer 2xx and must not be an error page."""

import re

import pytest

from tests.browser.test_admin_inputs_visible import add_and_change_pages

# It presses every button on every add and change page: minutes on 2 cores, so CI runs it once (embedded), not per profile.
pytestmark = pytest.mark.slow

BUTTONS = "#content-main form button[type=submit], #content-main form input[type=submit], #submit-row button[type=submit], " \
          "form button[form], [data-object-action]"
ERROR_PAGE = re.compile(r"Page not found \(404\)|Server Error \(500\)|Traceback \(most recent call last\)|Using the URLconf")


def buttons(page) -> list[str]:
    """A name for each visible submit button: its text, and its form's action to tell look-alikes apart."""
    found = page.locator(BUTTONS).evaluate_all("""els => els.filter(el => {
        const box = el.getBoundingClientRect(); return box.width > 0 && box.height > 0;
    }).map(el => (el.name || '') + '|' + (el.innerText || el.value || '').trim())""")
    return list(dict.fromkeys(found))


def press(page, statuses: list, url: str, index: int) -> tuple[str, int | None, str]:
    """Loads `url`, presses its `index`-th button, and answers (its label, the last page's status, its text)."""
    page.goto(url)
    page.wait_for_load_state()
    statuses.clear()
    button = page.locator(BUTTONS).filter(visible=True).nth(index)
    label = (button.inner_text() or button.get_attribute("value") or "").strip()
    button.click()
    page.wait_for_load_state()
    page.wait_for_timeout(300)  # a redirect's next page
    page.wait_for_load_state()
    return label, (statuses[-1] if statuses else None), page.content()


def test_every_button_on_every_add_and_change_page_ends_on_a_page_that_is_not_an_error(superuser_page):
    page = superuser_page
    page.on("dialog", lambda dialog: dialog.accept())  # a button that asks first ("Are you sure?") is answered yes
    statuses = []  # the main frame's navigations: a redirect's 302, then the page it leads to
    page.on("response", lambda r: statuses.append(r.status) if r.request.is_navigation_request() and r.frame == page.main_frame else None)
    wrong, pressed = [], 0
    for url in add_and_change_pages():
        if page.request.get(url, max_redirects=0).status != 200:  # a model nobody adds by hand refuses its add page
            continue
        page.goto(url)
        for index, _name in enumerate(buttons(page)):
            label, status, text = press(page, statuses, url, index)
            pressed += 1
            if status is None or not 200 <= status < 300 or ERROR_PAGE.search(text):
                wrong.append(f"{url} “{label}”: {status} {ERROR_PAGE.search(text).group(0) if ERROR_PAGE.search(text) else ''}")
    assert pressed > 50  # the walk reached the pages' buttons
    assert wrong == [], "\n".join(wrong)
