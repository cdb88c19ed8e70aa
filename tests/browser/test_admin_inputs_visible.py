"""Every input on the admin's add and change pages looks like an input: measured in a real browser,
each visible `input`, `select` and `textarea` on every add page and on the change page of a row of
every model has a visible border or background (walk-through M2: secrets and dialect settings were
drawn with no box at all)."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from credentials_site.admin.base import LaurelAdmin
from tests.courses.access.test_tenancy import _org_rows as org_rows
from tests.tenancy_world import organization_world

# Per element: its name, and whether it has a visible border or background of its own or from its wrapper.
# An element only 1 px across is hidden for sight but kept for screen readers (select2's own <select>).
# A control drawn without a box of its own inside a wrapper that has one counts by the wrapper: one of
# three ancestors no more than 24 px taller (unfold's file input, beside its button) or wider (the
# list boxes of a two-column chooser, under their title and filter).
MEASURE = """els => els.filter(el => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== 'hidden' && style.opacity !== '0';
}).map(el => {
    const seen = colour => !/^(transparent|rgba\\(.*, 0\\))$/.test(colour);
    const boxed = node => {
        const style = getComputedStyle(node);
        return seen(style.backgroundColor) || ['Top', 'Right', 'Bottom', 'Left'].some(side =>
            parseFloat(style[`border${side}Width`]) > 0 && style[`border${side}Style`] !== 'none' && seen(style[`border${side}Color`]));
    };
    const own = el.getBoundingClientRect();
    let wrapped = false;
    for (let node = el.parentElement, up = 0; node && up < 3 && !wrapped; node = node.parentElement, up++) {
        const box = node.getBoundingClientRect();
        wrapped = (box.height - own.height <= 24 || box.width - own.width <= 24) && boxed(node);
    }
    const native = getComputedStyle(el).appearance !== 'none' && ['checkbox', 'radio'].includes(el.type);
    return {name: el.name || el.id || el.outerHTML.slice(0, 80), visible: boxed(el) || wrapped || native};
})"""
CONTROLS = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), select, textarea"


def invisible_inputs(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state()
    page.locator("details").evaluate_all("els => els.forEach(el => { el.open = true; })")  # collapsed sections too
    measured = page.locator(f"#content {CONTROLS}, form {CONTROLS}").evaluate_all(MEASURE)
    assert measured or "/change/" in url, f"no inputs measured on {url}"  # a read-only record page (an API key's) has none
    # A native checkbox or radio is drawn by the browser itself, box and all.
    return [m["name"] for m in measured if not m["visible"]]


def add_and_change_pages() -> list[str]:
    """Every add page of Laurel's admins, and the change page of one row of every model they show (a world
    with a row of every kind, tests/tenancy_world.py): a source's and a connection's with their secrets."""
    world = organization_world("harbour")
    urls = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, LaurelAdmin):  # pages of the libraries' own admins (users, groups, ...)
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        row = model._default_manager.filter(pk__in=org_rows(model, world["organization"])).order_by("pk").first()
        if row is not None:
            urls.append(reverse(f"{name}_change", args=[row.pk]))
        try:
            urls.append(reverse(f"{name}_add"))
        except NoReverseMatch:
            continue
    return urls


@pytest.mark.slow  # every add and change page in a browser: about two minutes on 2 cores, so CI runs it once, not per profile
def test_it_draws_every_input_on_add_and_change_pages_with_a_border_or_background(superuser_page):
    page = superuser_page
    invisible = {}
    for url in add_and_change_pages():
        response = page.request.get(url, max_redirects=0)
        if response.status != 200:  # a model nobody adds by hand (records, audit) refuses its add page
            continue
        found = invisible_inputs(page, url)
        if found:
            invisible[url] = found
    assert invisible == {}, "\n".join(f"{u}: {v}" for u, v in invisible.items())
