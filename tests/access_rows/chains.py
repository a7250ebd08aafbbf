"""Access rows of promotion chains: chain pages, approval clocks and the start-plan export (issue 4).

The chain pages' project belongs to 区发改委 (world.dept), which the WH19 template's 核准备案 (filing) also
matches, so its unit head and reporter read the chain and fill that node; the unit head confirms it and
the office confirms it as the project office; only the office changes the chain and its own templates."""

from datetime import date

from tests.access_table import ALL, Row

READERS = ALL - {"discipline"}
ADMIN = frozenset({"office_admin"})
NODE_EDITORS = frozenset({"office_admin", "unit_head", "unit_reporter"})
NODE_CONFIRMERS = frozenset({"office_admin", "unit_head"})


def _chain(w):
    from tests.chains.factories import applied

    return applied(w, planned_start=date(2026, 9, 30))


def _node_url(w, key: str, suffix: str = "") -> str:
    return f"/chains/node/{_chain(w).nodes.get(key=key).pk}/{suffix}"


def _project_without_chain(w):
    from tests.projects.factories import project

    return project(w, planned_start=date(2026, 9, 30))


def _signed_chain_url(w) -> str:
    from tuijin.chains import services

    chain = _chain(w)
    services.chain_update(actor=w.admin, chain=chain, signed_by="王建国", signed_on=date(2026, 3, 1))
    return f"/chains/project/{chain.project_id}/confirm/"


def _evidence_url(w) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tuijin.chains import services

    node = _chain(w).nodes.get(key="filing")
    upload = SimpleUploadedFile("备案证明.pdf", b"%PDF-1.4")
    return f"/chains/evidence/{services.evidence_add(actor=w.admin, node=node, uploaded_file=upload).pk}/"


def _preset_pk() -> int:
    from tests.chains.factories import preset

    return preset().pk


def _own(w):
    from tests.chains.factories import own_template

    return own_template(w)


def _own_node_url(w, suffix: str = "") -> str:
    template = _own(w)
    return f"/chains/templates/{template.pk}/nodes/{template.nodes.get(key='eia').pk}/{suffix}"


def _upload(w) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff")}


_TEMPLATE_NODE = {"name": "环评", "phase": "approval", "step": 4, "after": ["filing"], "duration": 25}

ROWS: list[Row] = [
    Row("chains:project", "GET", lambda w: f"/chains/project/{_chain(w).project_id}/", READERS),
    Row(
        "chains:apply",
        "POST",
        lambda w: f"/chains/project/{_project_without_chain(w).pk}/apply/",
        ADMIN,
        data=lambda w: {"template": _preset_pk(), "target": "2026-12-31"},
        ok_status=(302,),
    ),
    Row(
        "chains:chain_edit",
        "POST",
        lambda w: f"/chains/project/{_chain(w).project_id}/edit/",
        ADMIN,
        data=lambda w: {"signed_by": "王建国", "signed_on": "2026-03-01", "clock_class": "general"},
        ok_status=(302,),
    ),
    Row("chains:chain_confirm", "POST", _signed_chain_url, ADMIN, ok_status=(302,)),
    Row(
        "chains:milestone_add",
        "POST",
        lambda w: f"/chains/project/{_chain(w).project_id}/milestone/",
        ADMIN,
        data=lambda w: {"milestone-name": "主体封顶", "milestone-deadline": "2027-06-30"},
        ok_status=(302,),
    ),
    Row(
        "chains:node_add",
        "POST",
        lambda w: f"/chains/project/{_chain(w).project_id}/node/",
        ADMIN,
        data=lambda w: {
            "add-name": "水土保持方案",
            "add-phase": "approval",
            "add-responsible_unit": w.dept.pk,
        },
        ok_status=(302,),
    ),
    Row("chains:node", "GET", lambda w: _node_url(w, "filing"), READERS),
    Row(
        "chains:node",
        "POST",
        lambda w: _node_url(w, "filing"),
        NODE_EDITORS,
        data=lambda w: {"note": "备案材料已受理", "responsible_unit": w.dept.pk},
        ok_status=(302,),
    ),
    Row(
        "chains:node_replan",
        "POST",
        lambda w: _node_url(w, "production", "replan/"),
        ADMIN,
        data=lambda w: {"deadline": "2028-06-30", "reason": "设备到货推迟"},
        ok_status=(302,),
    ),
    Row(
        "chains:node_evidence",
        "POST",
        lambda w: _node_url(w, "filing", "evidence/"),
        NODE_EDITORS,
        data=_upload,
        ok_status=(302,),
    ),
    Row(
        "chains:node_confirm",
        "POST",
        lambda w: _node_url(w, "filing", "confirm/"),
        NODE_CONFIRMERS,
        ok_status=(302,),
    ),
    Row(
        "chains:node_remove", "POST", lambda w: _node_url(w, "site_prep", "remove/"), ADMIN, ok_status=(302,)
    ),
    Row("chains:evidence", "GET", _evidence_url, READERS),
    Row("chains:templates", "GET", lambda w: "/chains/templates/", READERS),
    Row("chains:template", "GET", lambda w: f"/chains/templates/{_preset_pk()}/", READERS),
    Row(
        "chains:template_copy",
        "POST",
        lambda w: f"/chains/templates/{_preset_pk()}/copy/",
        ADMIN,
        data=lambda w: {"name": "东湖区产业项目（复制）"},
        ok_status=(302,),
    ),
    Row(
        "chains:template_edit",
        "POST",
        lambda w: f"/chains/templates/{_own(w).pk}/edit/",
        ADMIN,
        data=lambda w: {"name": "东湖区产业项目模板", "description": "本区产业项目", "is_active": "on"},
        ok_status=(302,),
    ),
    Row(
        "chains:template_node_add",
        "POST",
        lambda w: f"/chains/templates/{_own(w).pk}/nodes/new/",
        ADMIN,
        data=lambda w: {**_TEMPLATE_NODE, "name": "水土保持方案"},
        ok_status=(302,),
    ),
    Row(
        "chains:template_node_edit",
        "POST",
        lambda w: _own_node_url(w),
        ADMIN,
        data=lambda w: _TEMPLATE_NODE,
        ok_status=(302,),
    ),
    Row(
        "chains:template_node_remove",
        "POST",
        lambda w: _own_node_url(w, "remove/"),
        ADMIN,
        ok_status=(302,),
    ),
]

# --- export and clocks ---
# chains.view and chains.export_plan: subtree readers and unit staff. The download itself (a query string)
# is walked for every persona in tests/chains/test_export.py (AccessDenial rows log the path only).
CHAIN_READERS = ALL - {"discipline"}


ROWS += [
    Row("chains:clocks", "GET", lambda w: "/chains/clocks/", CHAIN_READERS),
    Row("chains:export", "GET", lambda w: "/chains/export/", CHAIN_READERS),
]
