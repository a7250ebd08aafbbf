"""Rows of the access table, one module per capability (each defines ROWS; see tests/access_table.py)."""
