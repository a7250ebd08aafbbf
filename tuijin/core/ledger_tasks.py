"""The daily sealing job: periods whose grace days have passed are sealed without waiting for the office
(each sealable kind says how many days, `register_sealable(auto_after_days=…)`)."""

from __future__ import annotations

from django_tasks import task

from .schedule import register_periodic
from .tasks import describe_task


@task()
def ledger_seal_due_task() -> dict:
    from . import ledger_services

    run = ledger_services.ledger_seal_due()
    return {"sealed": len(run.sealed), "errors": run.errors}


describe_task("tuijin.core.ledger_tasks.ledger_seal_due_task", label_zh="逾期期间自动封存")
register_periodic(
    "ledger-seal-due",
    "45 2 * * *",
    "tuijin.core.ledger_tasks.ledger_seal_due_task",
    label_zh="逾期期间自动封存（每天 02:45）",
)
