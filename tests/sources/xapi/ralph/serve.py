"""Run Ralph's LRS (ralph-malph 5.1.0) with its file backend, its own bugs worked around here.

    python serve.py <port> <directory> <key> <secret>

Runs in Ralph's virtual environment, never Laurel's. The file backend of 5.1.0 has three bugs of
its own (real-systems.md §2), patched in this process before the app is imported; Laurel is not
changed for them:
- `GET statements?verb=…` never matches: the router hands the filter a pydantic IRI, which is
  compared with the statement's string. Compared as text here.
- `since` filters on `timestamp`; xAPI says `stored`. Filtered on `stored` here.
- only the first write succeeds (later ones answer 500): the tests write once through the API and
  add later statements to the backend's file themselves, as the backend reads it on every query.
"""

import json
import os
import sys
from datetime import datetime
from pathlib import Path

import bcrypt

port, directory, key, secret = sys.argv[1:5]
# The one user Laurel reads with, in Ralph's own credentials file (what `ralph auth -w` writes).
auth_file = Path(directory) / "auth.json"
auth_file.write_text(json.dumps([{
    "agent": {"mbox": "mailto:laurel@example.org"}, "scopes": ["all"], "username": key,
    "hash": bcrypt.hashpw(secret.encode(), bcrypt.gensalt()).decode(),
}]))
os.environ.update({
    "RALPH_RUNSERVER_BACKEND": "fs",
    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": directory,
    "RALPH_AUTH_FILE": str(auth_file),
    "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": os.environ.get("RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT", "2"),
    "RALPH_SENTRY_DSN": "",
})

import uvicorn  # noqa: E402  (after the environment Ralph's settings are read from)
from ralph.backends.lrs.fs import FSLRSBackend  # noqa: E402

verb_filter = FSLRSBackend._add_filter_by_verb


def _verb_as_text(filters: list, verb_id) -> None:
    verb_filter(filters, str(verb_id) if verb_id else verb_id)


def _since_stored(self, filters: list, since) -> None:
    if not since:
        return
    since = datetime.fromisoformat(since) if isinstance(since, str) else since

    def stored_after(statement: dict) -> bool:
        try:
            return datetime.fromisoformat(statement["stored"]) > since
        except (KeyError, TypeError, ValueError):
            return False

    filters.append(stored_after)


FSLRSBackend._add_filter_by_verb = staticmethod(_verb_as_text)
FSLRSBackend._add_filter_by_timestamp_since = _since_stored

uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(port), log_level="warning")
