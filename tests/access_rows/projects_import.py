"""Access rows of the project list import and its template (tuijin/projects/sheet_urls.py).

Only office admins import (projects.import); everyone who reads the library may download the blank
template. The preview, confirm and discard URLs carry the token of an upload the office admin made."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}


def _upload(w) -> str:
    """An upload of a right one-row sheet by world.admin; its preview URL."""
    from tests.projects.sheets import PLAIN_HEADER, plain_rows, xlsx
    from tuijin.projects.import_services import import_upload_save

    token = import_upload_save(
        user=w.admin, jurisdiction=w.district, year=2024, file=xlsx([PLAIN_HEADER, *plain_rows(1)])
    )
    return f"/projects/import/{token}/"


ROWS = [
    Row("projects:import", "GET", lambda w: "/projects/import/", ADMIN),
    Row(
        "projects:import",
        "POST",
        lambda w: "/projects/import/",
        ADMIN,
        data=lambda w: {"jurisdiction": w.district.pk},
        ok_status=(400,),  # no file chosen: the form says so
    ),
    Row("projects:template", "GET", lambda w: "/projects/import/template.xlsx", READERS),
    Row("projects:import_preview", "GET", _upload, ADMIN),
    Row("projects:import_preview", "POST", _upload, ADMIN, ok_status=(302,)),
    Row("projects:import_confirm", "POST", lambda w: _upload(w) + "confirm/", ADMIN, ok_status=(302,)),
    Row("projects:import_discard", "POST", lambda w: _upload(w) + "discard/", ADMIN, ok_status=(302,)),
]
