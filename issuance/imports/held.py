"""An original meeting the learner's live credential of the same achievement: one rule, asked by the dry run
(to say what will happen) and by the pipeline's decision (which does it), so both say the same."""

from datetime import datetime

RENEW, BESIDE = "renew", "beside"


def import_meets_live(*, issued_at: datetime, expires_at: datetime | None, live, now: datetime) -> tuple[str, str]:
    """(RENEW or BESIDE, the reason a person reads) for an original issued at `issued_at` whose learner holds `live`.

    The one live credential per achievement is the most recent: an original issued after an active credential renews
    it (that one becomes superseded, as a completion's renewal would make it); otherwise the live credential is kept as
    is and the original is recorded beside it, as history (superseded, or expired if its end has passed), never emailed.
    A suspended credential is never renewed by an import: lifting a suspension is staff's call.
    """
    name, held = live.achievement.name, f"issued {live.issued_at:%Y-%m-%d}"
    if expires_at is not None and expires_at <= now:
        return BESIDE, (f"recorded beside the live {name} credential ({held}), which is kept as is: imported as expired "
                        f"history, not emailed")
    if live.status == "suspended":
        return BESIDE, (f"recorded beside the suspended {name} credential ({held}), which is kept as is (an import does "
                        f"not lift a suspension): imported as superseded history, not emailed")
    if issued_at > live.issued_at:
        return RENEW, f"renews the live {name} credential ({held}), which becomes superseded"
    return BESIDE, (f"recorded beside the live {name} credential ({held}, more recent), which is kept as is: imported "
                    f"as superseded history, not emailed")
