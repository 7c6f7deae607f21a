# English as installers in the Benelux read it: day before month, 24-hour clock, like the Dutch
# and French pages (Django's own English is American: "Dec. 1, 2026, 2 p.m.").
DATE_FORMAT = "j F Y"  # 1 December 2026
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
