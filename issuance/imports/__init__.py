"""Credentials brought over from other platforms (docs/import.md): one reader per platform's export, the plan
(a dry run: every row's outcome) and the import, which re-issues each row through the pipeline."""

from . import accredible, badgr, credly, ob2

READERS = {"credly": credly, "accredible": accredible, "badgr": badgr, "ob2": ob2}
