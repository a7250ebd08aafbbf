"""Access rows of the public page (NC20 四(三) 每月向社会公布排名), issue 8 (H4): no login needed, so every
persona reads it (and `tests/public/` checks the anonymous visitor); nothing else is exposed there — no
file download (the notice's PDF is the internal document)."""

from tests.access_table import ALL, Row


def _published(w):
    from django.utils import timezone

    from tuijin.documents.models import Bulletin

    b = Bulletin.objects.create(
        jurisdiction=w.district,
        kind="monthly_notice",
        period="2026-05",
        title="2026年5月重大重点项目推进情况通报",
        status="published",
        public=True,
        content={"public": {"ranking": [], "progress": {}, "projects": []}},
        year=2026,
        seq=5,
        number="东湖重点办〔2026〕5号",
        drafted_by=w.admin,
        published_at=timezone.now(),
    )
    return b


ROWS = [
    Row("public:index", "GET", lambda w: f"/public/{w.district.code}/", ALL),
    Row("public:notice", "GET", lambda w: f"/public/{w.district.code}/{_published(w).pk}/", ALL),
]
