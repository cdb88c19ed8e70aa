"""Known bots: user agents whose requests are not a person looking at a credential (docs/learners.md#what-is-counted).

Kept small on purpose: the link-preview fetchers that open every shared link (LinkedIn's own, Slack,
WhatsApp …), search crawlers, uptime monitors and HTTP libraries. Matched case-insensitively anywhere
in the User-Agent header; a request without one is not counted either.
"""

import re

BOT_PATTERNS = [
    r"bot\b", r"bot/", r"crawl", r"spider", r"slurp",  # Googlebot, bingbot, LinkedInBot, Slackbot, Twitterbot …
    r"facebookexternalhit", r"whatsapp", r"skypeuripreview", r"embedly", r"preview",  # link previews
    r"pingdom", r"uptime", r"statuscake", r"monitor", r"lighthouse",  # monitors and audits
    r"curl/", r"wget/", r"python-requests", r"python-urllib", r"python-httpx", r"aiohttp", r"go-http-client",
    r"okhttp", r"java/", r"libwww-perl", r"node-fetch", r"axios/",  # HTTP libraries and scripts
]
_BOTS = re.compile("|".join(BOT_PATTERNS), re.IGNORECASE)


def user_agent_is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or _BOTS.search(user_agent) is not None
