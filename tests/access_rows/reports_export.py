"""Access rows of the weekly-table export (issue 5 part 9) and the problem ledger download: every reader
of reports / problems (unit staff only their own unit's table: tested in tests/reports/test_export.py).
URLs carry no query string: the matrix checks the refusal log by path."""

from tests.access_table import ALL, Row

READERS = ALL - {"discipline"}  # reports.view / problems.view: subtree readers and unit staff


ROWS = [
    Row("reports:export", "GET", lambda w: "/reports/export/", READERS),
    Row("problems:ledger", "GET", lambda w: "/problems/ledger.xlsx", READERS),
]
