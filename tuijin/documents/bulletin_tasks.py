"""The task after a bulletin is published (enqueued on commit by `bulletin_services.bulletin_publish`):
the PDF from the stored Word file, then the distribution through the channels. Both steps are idempotent,
so a retried or repeated task converts and queues nothing twice. When the PDF fails, the task enqueues
itself again after `FinishResult.retry_in` (the distribution waits for the PDF, a few tries; see
`bulletin_services`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from tuijin.core.tasks import describe_task


def _again(bulletin_id: int, delay: timedelta) -> None:
    runner = finish
    if runner.get_backend().supports_defer:
        runner = runner.using(run_after=timezone.now() + delay)
    runner.enqueue(bulletin_id)  # a backend that cannot defer (the tests' immediate one) runs it now


@task()
def finish(bulletin_id: int) -> dict:
    from .bulletin_services import bulletin_finish

    result = bulletin_finish(bulletin_id=bulletin_id)
    if result.retry_in is not None:
        _again(bulletin_id, result.retry_in)
    return {
        "bulletin": bulletin_id,
        "pdf": result.pdf,
        "queued": result.queued,
        "skipped": list(result.skipped),
        "retry_in_seconds": int(result.retry_in.total_seconds()) if result.retry_in else None,
    }


describe_task("tuijin.documents.bulletin_tasks.finish", label_zh="简报通报转换 PDF 并分发")
