"""Indicator rule kinds: DH24, NC20, KF19 (see COMMON brief)."""
