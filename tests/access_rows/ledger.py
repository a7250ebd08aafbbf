"""Access rows of the sealed ledger (/ledger/): the office lists, verifies and seals; nobody else."""

from tests.access_table import ADMIN, Row

ROWS = [
    Row("ledger:index", "GET", lambda w: "/ledger/", ADMIN),
    Row("ledger:verify", "POST", lambda w: "/ledger/verify/", ADMIN),
    Row(
        "ledger:seal",
        "POST",
        lambda w: "/ledger/seal/",
        ADMIN,
        data=lambda w: {"kind": "no_such_kind", "jurisdiction": w.district.pk, "period": "2024-06"},
        ok_status=(400,),  # an unknown kind: the form says so
    ),
]
