"""Issue 6's card benchmark: a year of card computation for 500 units (target < 2 s per step), timed
in-process with the card services and selectors.

Setup (Django side, in a bench database; never the product demo): in the district with the most projects,
UNITS units (基准督办单位001…) and an office admin `bench_cards_admin`; SLIPS 督办单 spread over the units
(2 to 10 each) and over the months of a bench year (BENCH_YEAR, which no demo uses), bulk-inserted without
the slip listener (a fixture, not the product path). The bench's rows of an earlier run are deleted first.
Then, timed:

1. `cards_recompute(district, "YEAR")` from nothing: one proposed yellow card per 督办单 (the year's
   computation the daily task would do after an import);
2. the twelve monthly reviews (`card_review_hold`, each issuing the month's proposed yellow cards and
   running the ladder: red cards proposed for every pair), reported per review (median; one request each);
3. after the red cards are issued (a bulk UPDATE: a fixture), `cards_recompute` proposing the referrals and
   the notice list for every unit with two red cards;
4. `cards_recompute` again with nothing to write (the daily task on an unchanged year);
5. the overview of `/supervision/cards/` (`card_selectors.card_overview`, the office admin), median of
   REPEAT runs.

    python bench/cards_bench.py [--units 500] [--slips 3000] [--repeat 5] [--smoke]

prints one JSON line `{"steps": [...], "counts": {...}, "notes": [...]}`; bench/agenda_bench.py's
`cards_steps(server)` runs it in a prepared bench database (bench/run.py, `--standalone`).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
UNITS, SLIPS, REPEAT = 500, 3000, 5
SMOKE = {"units": 50, "slips": 300, "repeat": 3}
BENCH_YEAR = 2031
UNIT_PREFIX = "基准督办单位"
ADMIN = "bench_cards_admin"
NUMBER_BASE = 900000


def _django() -> None:
    import os

    import django

    sys.path.insert(0, str(BENCH_DIR.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    django.setup()


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def setup(units: int, slips: int, seed: int = 6):
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from tuijin.org.models import Jurisdiction, Role, Unit, User
    from tuijin.problems.models import Counter, Slip
    from tuijin.supervision.models import Card, CardAppeal, CardReview, Referral

    district = (
        Jurisdiction.objects.filter(level="district")
        .annotate(n=Count("projects"))
        .order_by("-n", "id")
        .first()
    )
    if district is None:
        raise SystemExit("没有区县辖区：请先运行 tuijin demo")
    with transaction.atomic():
        old_units = Unit.objects.filter(jurisdiction=district, name__startswith=UNIT_PREFIX)
        Referral.cards.through.objects.filter(referral__unit__in=old_units).delete()
        Referral.objects.filter(unit__in=old_units).delete()
        CardAppeal.objects.filter(card__unit__in=old_units).delete()
        Card.from_cards.through.objects.filter(from_card__unit__in=old_units).delete()
        Card.history.filter(unit_id__in=old_units.values("pk")).delete()
        Card.objects.filter(unit__in=old_units).delete()
        CardReview.objects.filter(jurisdiction=district, month__year=BENCH_YEAR).delete()
        Slip.objects.filter(to_unit__in=old_units).delete()
        Counter.objects.filter(jurisdiction=district, year=BENCH_YEAR).delete()
        User.objects.filter(username=ADMIN).delete()
        old_units.delete()

        office = Unit.objects.filter(jurisdiction=district, kind="office").first()
        admin = User.objects.create(
            username=ADMIN,
            role=Role.OFFICE_ADMIN,
            jurisdiction=district,
            unit=office,
            display_name="基准项目办",
        )
        made = Unit.objects.bulk_create(
            [
                Unit(jurisdiction=district, name=f"{UNIT_PREFIX}{i:03d}", short_name=f"基准{i:03d}")
                for i in range(1, units + 1)
            ]
        )
        rng = random.Random(seed)
        weights = [rng.randint(2, 10) for _ in made]
        per_unit = [max(1, round(w * slips / sum(weights))) for w in weights]
        rows, number = [], NUMBER_BASE
        for unit, count in zip(made, per_unit, strict=True):
            for _ in range(count):
                if len(rows) >= slips:
                    break
                number += 1
                day = date(BENCH_YEAR, rng.randint(1, 12), rng.randint(1, 28))
                rows.append(
                    Slip(
                        kind="supervise",
                        jurisdiction=district,
                        year=BENCH_YEAR,
                        number=number,
                        source="bench",
                        subject="基准督办事项",
                        to_unit=unit,
                        content="基准",
                        issued_by=admin,
                        issued_unit=office,
                        issued_at=timezone.make_aware(datetime.combine(day, dtime(10, 0))),
                    )
                )
        Slip.objects.bulk_create(rows, batch_size=1000)
    return district, admin, len(made), len(rows)


def run(args: argparse.Namespace) -> int:
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.supervision import card_selectors, card_services
    from tuijin.supervision.models import Card, Referral

    district, admin, units, slips = setup(args.units, args.slips)
    period = str(BENCH_YEAR)
    today = date(BENCH_YEAR, 12, 31)
    steps, notes = [], []

    with CaptureQueriesContext(connection) as queries:
        seconds, written = _timed(lambda: card_services.cards_recompute(district, period, today=today))
    steps.append(
        {
            "name": f"cards_recompute: a year, {units} units, {slips} 督办单 → proposed yellows",
            "seconds": round(seconds, 3),
            "note": f"{written['yellow']} yellow cards proposed; {len(queries)} queries",
        }
    )

    review_times = []

    def reviews():
        for month in range(1, 13):
            first = date(BENCH_YEAR, month, 1)
            ids = list(card_selectors.review_candidates(district, first).values_list("pk", flat=True))
            seconds, _ = _timed(
                lambda first=first, ids=ids, month=month: card_services.card_review_hold(
                    actor=admin,
                    jurisdiction=district,
                    month=first,
                    issue=ids,
                    today=date(BENCH_YEAR, month, 28) if month < 12 else today,
                )
            )
            review_times.append(seconds)

    with CaptureQueriesContext(connection) as queries:
        total, _ = _timed(reviews)
    bench_cards = Card.objects.filter(
        jurisdiction=district, period=period, unit__name__startswith=UNIT_PREFIX
    )
    reds = bench_cards.filter(color="red", status="proposed").count()
    steps.append(
        {
            "name": "one monthly card review (issue the month's yellows, ladder proposes reds), median of 12",
            "seconds": round(statistics.median(review_times), 3),
            "note": f"max {max(review_times):.3f} s, all 12 {total:.3f} s; "
            f"{bench_cards.filter(color='yellow', status='issued').count()} yellows issued, "
            f"{reds} reds proposed; {len(queries)} queries",
        }
    )

    bench_cards.filter(color="red", status="proposed").update(
        status="issued", issued_at=card_services._moment(today), issued_by=admin
    )  # a fixture: the supervision office's 1-by-1 issuing is not what is measured
    with CaptureQueriesContext(connection) as queries:
        seconds, written = _timed(lambda: card_services.cards_recompute(district, period, today=today))
    steps.append(
        {
            "name": "cards_recompute after the reds: referrals and notice list",
            "seconds": round(seconds, 3),
            "note": f"{written['referral']} referrals proposed; {len(queries)} queries",
        }
    )
    seconds, written = _timed(lambda: card_services.cards_recompute(district, period, today=today))
    steps.append(
        {
            "name": "cards_recompute, nothing to write (the daily task)",
            "seconds": round(seconds, 3),
            "note": f"wrote {sum(written.values())}",
        }
    )
    runs = []
    for _ in range(args.repeat):
        seconds, overview = _timed(lambda: card_selectors.card_overview(admin, district, period))
        runs.append(seconds)
    steps.append(
        {
            "name": "/supervision/cards/ overview selector",
            "seconds": round(statistics.median(runs), 3),
            "note": f"median of {len(runs)}; {len(overview['rows'])} unit rows",
        }
    )
    counts = {
        "units": units,
        "slips": slips,
        "cards": bench_cards.count(),
        "referrals": Referral.objects.filter(unit__name__startswith=UNIT_PREFIX).count(),
        "db": connection.vendor,
    }
    notes.append(f"bench year {BENCH_YEAR}; red cards issued by a bulk UPDATE (fixture)")
    print(json.dumps({"steps": steps, "counts": counts, "notes": notes}, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="黄牌红牌基准 / card benchmark (issue 6)")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--slips", type=int, default=SLIPS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--smoke", action="store_true", help="小规模（CI）：50 个单位、300 份督办单")
    args = parser.parse_args(argv)
    if args.smoke:
        args.units, args.slips, args.repeat = SMOKE["units"], SMOKE["slips"], SMOKE["repeat"]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
