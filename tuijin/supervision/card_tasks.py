"""Background work of the cards: the daily run of the ladder (01:50) for every jurisdiction that has
督办单 or cards, so a missed proposal (a slip imported, a rule set changed) is made up the next morning.
Imported when the app is ready (card_permissions imports it)."""

from __future__ import annotations

from django_tasks import task

from tuijin.core.schedule import register_periodic
from tuijin.core.tasks import describe_task


@task()
def cards_recompute_daily() -> dict:
    """The current period's ladder of every jurisdiction with 督办单 or cards (idempotent)."""
    from tuijin.org.models import Jurisdiction
    from tuijin.problems.models import Slip

    from . import card_services
    from .models import Card

    ids = set(Slip.objects.filter(kind="supervise").values_list("jurisdiction_id", flat=True).distinct())
    ids |= set(Card.objects.values_list("jurisdiction_id", flat=True).distinct())
    totals = {"jurisdictions": 0, "yellow": 0, "red": 0, "withdrawn": 0, "referral": 0}
    for jurisdiction in Jurisdiction.objects.filter(pk__in=ids).order_by("path"):
        written = card_services.cards_recompute(jurisdiction)
        totals["jurisdictions"] += 1
        for key, value in written.items():
            totals[key] += value
    return totals


describe_task("tuijin.supervision.card_tasks.cards_recompute_daily", label_zh="每日按规则补提黄牌红牌")
register_periodic(
    "cards-daily",
    "50 1 * * *",
    "tuijin.supervision.card_tasks.cards_recompute_daily",
    label_zh="每日按规则补提黄牌红牌",
)
