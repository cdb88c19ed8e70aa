"""The path syntax of a mapping: keys, list positions and [key=value] filters; never code."""

import pytest

from issuance.sources.mapped.paths import PathError, path_get, path_parse

DELIVERY = {"data": {"user": {"email": "ana@example.org"}, "items": [{"id": "a"}, {"id": "b"}]},
            "answers": [{"type": "text", "text": "Ana", "field": {"ref": "name"}},
                        {"type": "email", "email": "ana@example.org", "field": {"ref": "mail"}}],
            "flags": [{"done": True, "n": 1}]}


@pytest.mark.parametrize("path,expected", [
    ("data.user.email", "ana@example.org"),
    ("data.items.1.id", "b"), ("data.items[0].id", "a"), ("data.items[-1].id", "b"),
    ("answers[type=email].email", "ana@example.org"),
    ("answers[field.ref=name].text", "Ana"),
    ("flags[done=true].n", 1),
    ("data.items.5.id", None), ("data.user.email.more", None), ("answers[type=phone].text", None),
])
def test_it_reads_keys_positions_and_filters(path, expected):
    assert path_get(DELIVERY, path) == expected


def test_it_reads_the_whole_delivery_as_dollar():
    assert path_get([1, 2], "$") == [1, 2]


@pytest.mark.parametrize("path", ["", "data..email", "answers[type=email", "answers]", "a[b]", "__import__('os')[x]"])
def test_it_refuses_what_is_not_the_syntax_with_a_reason(path):
    with pytest.raises(PathError):
        path_parse(path)
