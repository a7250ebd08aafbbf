"""Background tasks of the core app (filled by the background-work part)."""
