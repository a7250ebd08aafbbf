"""Exporting section `reports`: the subtree's reports (with every version), photos' metadata and camera
links, read through the access scope."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import unit_key
from tuijin.projects.exchange.export import project_keys_of
from tuijin.projects.exchange.schema import CENT

from ..models import CameraLink, Report, ReportVersion, SitePhoto
from .schema import (
    MOMENT_FIELDS,
    PLAIN_FIELDS,
    USER_FIELDS,
    CameraRecord,
    PhotoRecord,
    ReportRecord,
    ReportRef,
    ReportsSection,
    VersionRecord,
)


def _moment(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


def _username(user) -> str | None:
    return user.username if user is not None else None


def _report_record(r: Report, key: str) -> ReportRecord:
    return ReportRecord(
        project=key,
        kind=r.kind,
        period_start=r.period_start,
        unit=unit_key(r.unit.jurisdiction.code, r.unit.name),
        **{name: getattr(r, name) for name in PLAIN_FIELDS},
        investment_completed=(
            r.investment_completed.quantize(CENT) if r.investment_completed is not None else None
        ),
        **{name: _username(getattr(r, name)) for name in USER_FIELDS},
        **{name: _moment(getattr(r, name)) for name in MOMENT_FIELDS},
        versions=[
            VersionRecord(
                seq=v.seq,
                version=v.version,
                event=v.event,
                status=v.status,
                content=v.content or {},
                author=_username(v.author),
                at=_moment(v.at),
                reason=v.reason,
                is_proxy=v.is_proxy,
            )
            for v in r.versions.all()
        ],
    )


def export_reports(ctx: ExportContext) -> ReportsSection | None:
    """The reports, photos and cameras of the root's subtree; None when it has none. Sorted in Python by
    code point, so two exports of the same data are the same file on every database."""
    under = {"project__jurisdiction__path__startswith": ctx.root.path}
    users = ("proxy_by", "saved_by", "submitted_by", "approved_by", "reviewed_by")
    reports = ctx.readable(Report.objects.filter(**under)).select_related(
        "project", "unit__jurisdiction", *users
    )
    versions = ReportVersion.objects.select_related("author").order_by("seq")
    reports = list(reports.prefetch_related(Prefetch("versions", versions)))
    photos = list(
        ctx.readable(SitePhoto.objects.filter(**under)).select_related(
            "project", "report", "node", "uploaded_by"
        )
    )
    cameras = list(ctx.readable(CameraLink.objects.filter(**under)).select_related("project", "created_by"))
    if not reports and not photos and not cameras:
        return None
    keys = project_keys_of({x.project.jurisdiction_id for x in [*reports, *photos, *cameras]})
    reports.sort(key=lambda r: (keys[r.project_id], r.kind, r.period_start))
    photos.sort(
        key=lambda p: (
            keys[p.project_id],
            p.taken_on,
            _moment(p.uploaded_at).isoformat() if p.uploaded_at else "",
            p.original_name,
            p.caption,
            p.pk,
        )
    )
    cameras.sort(key=lambda c: (keys[c.project_id], c.name, c.url))
    return ReportsSection(
        reports=[_report_record(r, keys[r.project_id]) for r in reports],
        photos=[
            PhotoRecord(
                project=keys[p.project_id],
                report=(
                    ReportRef(kind=p.report.kind, period_start=p.report.period_start)
                    if p.report_id is not None
                    else None
                ),
                node=p.node.key if p.node_id is not None else None,
                taken_on=p.taken_on,
                caption=p.caption,
                content_type=p.content_type,
                size=p.size,
                original_name=p.original_name,
                uploaded_by=_username(p.uploaded_by),
                uploaded_at=_moment(p.uploaded_at),
            )
            for p in photos
        ],
        cameras=[
            CameraRecord(
                project=keys[c.project_id],
                name=c.name,
                url=c.url,
                created_by=_username(c.created_by),
                created_at=_moment(c.created_at),
            )
            for c in cameras
        ],
    )
