"""The JSON data exchange format (DESIGN.md "Interfaces that must stay stable", docs/exchange.md).

One file carries a jurisdiction subtree's records, section by section, for upward reporting to the city or
province and for moving a jurisdiction between installations. `services.exchange_export` and
`services.exchange_import` are the entry points; `registry.register_section` lets each capability add its
records (and raise the format's MINOR version in `version.py`).
"""
