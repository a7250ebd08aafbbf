"""The rule kinds, one module per family; importing this package registers them all."""

from . import indicators, wuhan  # noqa: F401
