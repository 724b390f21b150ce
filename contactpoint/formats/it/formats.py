"""Italian date formats: months and weekdays are lower case in running text ("1 dicembre 2026").

Django's own Italian formats use ``F`` (month names capitalised, as in a calendar heading);
``E`` is the month in running text, translated with the "alt. month" context in
``locale/it``.
"""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
MONTH_DAY_FORMAT = "j E"
YEAR_MONTH_FORMAT = "E Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
