"""Completion times as spreadsheets write them: a date with no time zone, or 05/12/2026 in the organisation's order.

A machine (an LMS, the API) must send a time zone; a person's CSV file usually has none, so its dates and
times are read in the organisation's time zone, and a slashed date in the order the organisation set.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

# Midday, as rosters do: a date alone names a day, and midday keeps that day in any nearby zone.
DATE_ONLY_TIME = time(12, 0)
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")

YEAR_FIRST, DAY_FIRST, MONTH_FIRST = "year_first", "day_first", "month_first"  # Organization.DateOrder's values


def sheet_time_parse(value: str, *, zone: str, date_order: str, now: datetime) -> tuple[datetime | None, str | None]:
    """(aware time, None), or (None, a message saying how to write it); `value` has no time zone of its own.

    A date alone is midday of that day, or now for today before midday (as a roster's session date is).
    """
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is not None:
        if len(text) == 10:  # 2026-12-05: a day, not midnight
            return min(datetime.combine(moment.date(), DATE_ONLY_TIME, tzinfo=ZoneInfo(zone)), now), None
        return moment.replace(tzinfo=ZoneInfo(zone)), None
    match = _SLASHED.match(text)
    if match is None:
        return None, (f"completed_at {value!r} is not a date we can read: write 2026-12-05, 2026-12-05 16:00 "
                      f"(read in {zone}) or 2026-12-05T16:00:00Z.")
    first, second, year = (int(part) for part in match.group(1, 2, 3))
    if date_order == DAY_FIRST:
        day, month = first, second
    elif date_order == MONTH_FIRST:
        month, day = first, second
    else:
        return None, (f"completed_at {value!r} could be day first or month first. Write 2026-12-05, or set "
                      "“Dates in CSV files” on the organisation to day first or month first.")
    try:
        day_of = date(year, month, day)
    except ValueError:
        order = "day/month/year" if date_order == DAY_FIRST else "month/day/year"
        return None, f"completed_at {value!r} is not a date when read as {order}."
    if match.group(4) is None:
        return min(datetime.combine(day_of, DATE_ONLY_TIME, tzinfo=ZoneInfo(zone)), now), None
    hour, minute, second_ = int(match.group(4)), int(match.group(5)), int(match.group(6) or 0)
    if hour > 23 or minute > 59 or second_ > 59:
        return None, f"completed_at {value!r} has no such time of day."
    return datetime.combine(day_of, time(hour, minute, second_), tzinfo=ZoneInfo(zone)), None
