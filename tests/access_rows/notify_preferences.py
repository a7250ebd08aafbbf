"""Access rows of the preferences pages (推送设置, H2): one's own page needs an account linked to a person
(the personas leader and unit_head have one); a person's page is the office's for its subtree, and the
person's own."""

from tests.access_table import ADMIN, Row

OWN = frozenset({"leader", "unit_head"})

ROWS = [
    Row("notify:preferences", "GET", lambda w: "/notify/preferences/", OWN),
    Row(
        "notify:preferences",
        "POST",
        lambda w: "/notify/preferences/",
        OWN,
        data=lambda w: {"quiet_start": "22:00", "quiet_end": "07:00"},
        ok_status=(302,),
    ),
    Row(
        "notify:preferences_person",
        "GET",
        lambda w: f"/notify/preferences/{w.leader_person.pk}/",
        ADMIN | {"leader"},
    ),
    Row(
        "notify:preferences_person",
        "POST",
        lambda w: f"/notify/preferences/{w.leader_person.pk}/",
        ADMIN | {"leader"},
        data=lambda w: {"channels": [], "quiet_start": "", "quiet_end": ""},
        ok_status=(302,),
    ),
]
