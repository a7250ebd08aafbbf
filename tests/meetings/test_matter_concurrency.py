"""Two office users close one matter at the same moment (PostgreSQL): one wins, the other is told who
closed it and when; the matter is closed once, with one 销号 event."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.meetings.matter_factories import replied
from tuijin.meetings import matter_services as services
from tuijin.meetings.models import Matter


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_one_wins_the_other_is_told():
    from tests.factories import account, build_world

    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks whole tables across threads (shared cache)")
    world = build_world()
    second = account("admin2", "office_admin", world.district, world.office, display_name="王芳")
    world.admin.display_name = "李明"
    world.admin.save()
    matter = replied(world)
    barrier = threading.Barrier(2)
    done, refused, errors = [], [], []

    def run(user):
        from django.db import connection as conn

        try:
            barrier.wait()
            done.append(services.matter_close(actor=user, matter=Matter.objects.get(pk=matter.pk)))
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (world.admin, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(done) == 1 and len(refused) == 1
    winner = done[0].closed_by.display_name
    assert f"该事项已由{winner}于" in refused[0] and "销号" in refused[0]
    matter.refresh_from_db()
    assert matter.status == "closed"
    assert matter.events.filter(kind="close").count() == 1
