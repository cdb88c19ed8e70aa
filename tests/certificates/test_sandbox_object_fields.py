"""A merge field that is one plain dict ({{ learner.email }}): its declared keys only, one level deep, escaped as any field."""

from courses.templating.sandbox import ObjectFields, sandbox_render, template_validate

SPEC = {"learner": ObjectFields({"name", "email"}), "course_code": None}


def test_it_allows_the_declared_keys_of_an_object_field():
    assert template_validate("{{ learner.name }} {{ learner.email|lower }} {{ course_code }}", fields=SPEC) == []
    output = sandbox_render("{{ learner.name }} <{{ learner.email }}>", {"learner": {"name": "Ana <b>", "email": "a@x.example"}, "course_code": ""},
                            fields=SPEC)
    assert output == "Ana &lt;b&gt; <a@x.example>"


def test_it_refuses_other_keys_and_deeper_lookups():
    for source in ("{{ learner.password }}", "{{ learner.name.upper }}", "{{ learner.0.name }}", "{{ course_code.x }}",
                   "{% for key in learner %}{{ key.name }}{% endfor %}"):
        problems = template_validate(source, fields=SPEC)
        assert problems and "is not a merge field" in problems[0], source
