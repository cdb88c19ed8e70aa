"""The learner's signed-in state: an address and an end time in the Django session, nothing else.

Kept under its own key, so a staff member signed in to the admin in the same browser keeps that
session, and signing out of /me does not sign them out of the admin.
"""

import time

from django.conf import settings

SESSION_KEY = "laurel_me"


def learner_session_start(request, *, address: str) -> None:
    request.session.cycle_key()  # a new session id at sign-in: a planted cookie learns nothing
    request.session[SESSION_KEY] = {"address": address, "until": time.time() + settings.LAUREL_ME_SESSION_MINUTES * 60}


def learner_session_address(request) -> str | None:
    """The signed-in address, or None (never signed in, signed out, or the session has expired)."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or not state.get("address"):
        return None
    if float(state.get("until", 0)) <= time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    return state["address"]


def learner_session_end(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
