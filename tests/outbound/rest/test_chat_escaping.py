"""A learner's name in a Slack or Teams message, through the shipped presets: shown as typed, never a ping, mention or link."""

import pytest
from markdown_it import MarkdownIt

from issuance.models import OutboundDelivery
from issuance.outbound.connections import connection_add
from issuance.outbound.rest.config import rest_presets

from stand_ins.outbound.rest import CatchHook

from .conftest import sync
from .test_presets import _pointed_at

NAME = "<!channel> [x](https://evil) & <@U1>"


@pytest.fixture
def named(credential):
    """The outbound credential, its learner named with Slack control sequences and a Markdown link."""
    issuance = credential.issuance
    issuance.learner.name = issuance.learner_name = NAME
    issuance.learner.save(update_fields=["name"])
    issuance.save(update_fields=["learner_name"])
    return credential


def _markdown_inline(text: str) -> list:
    """How a CommonMark reader (markdown-it, as Teams' renderers read a TextBlock) splits the text."""
    return MarkdownIt("commonmark").parseInline(text)[0].children


def test_it_escapes_a_learner_name_in_a_slack_message(organization, named):
    with CatchHook("slack") as slack:
        connection_add(organization=organization, kind="rest", name="staff channel",
                       settings=_pointed_at(rest_presets()["slack"]["config"], slack.url))
        assert sync(named).status == OutboundDelivery.Status.DONE
        text = slack.bodies[0]["text"]
    assert "&lt;!channel&gt; [x](https://evil) &amp; &lt;@U1&gt;" in text
    assert "<" not in text and ">" not in text  # no <!channel>, <@U1> or <url|label>: Slack's control sequences
    # Slack shows its three entities as the characters: the name reads as typed.
    assert NAME in text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_it_escapes_a_learner_name_in_a_teams_card(organization, named):
    with CatchHook("teams") as teams:
        connection_add(organization=organization, kind="rest", name="teams",
                       settings=_pointed_at(rest_presets()["teams"]["config"], teams.url))
        assert sync(named).status == OutboundDelivery.Status.DONE
        card = teams.bodies[0]["attachments"][0]["content"]
    text = card["body"][1]["text"]
    assert text.startswith(r"\<\!channel\> \[x\]\(https\://evil\) & \<@U1\> (ana@learners\.example)")
    assert any(token.type == "link_open" for token in _markdown_inline(NAME))  # as typed, it would be a link
    tokens = _markdown_inline(text)
    assert [token.type for token in tokens] == ["text"]  # no link, autolink, HTML or emphasis
    assert tokens[0].content.startswith(NAME + " (ana@learners.example)")
    assert card["actions"][0]["url"].endswith(f"/credentials/{named.pk}")  # a URL outside text is left a URL
