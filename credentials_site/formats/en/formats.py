"""English dates as Laurel's lists print them ("7 Dec 02:15", credentials_site.admin.base.short_time), on
record pages too: "7 Dec 2026 02:28" rather than Django's US "Dec. 7, 2026, 2:28 a.m." beside them
(walk-through m12). The day first and a 24-hour clock, as the organisations using Laurel write them;
input formats are left as Django's for English."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
