"""Importing section `reports`: check every report, version, photo and camera first, then upsert by
natural keys (docs/exchange.md "导入报表时").

A report's versions are append-only, and an accepted report is final (and may be sealed): the import adds
the versions the system lacks, and refuses a file that would change an accepted report, rewrite a
version or drop versions the system already has. Photos and camera links are added when missing and never
removed; a photo arrives without its image (files are not exchanged).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone

from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import person_key, split_unit_key
from tuijin.org.models import Jurisdiction, Unit, User
from tuijin.projects.models import Project

from .. import rules
from ..models import CameraLink, Report, ReportVersion, SitePhoto
from .schema import (
    MOMENT_FIELDS,
    PLAIN_FIELDS,
    SECTION,
    USER_FIELDS,
    ReportRecord,
    ReportsSection,
    VersionRecord,
)

BATCH = 900  # ids per IN (…) list
KIND_NAMES = rules.KINDS


def import_reports(ctx: ImportContext, data: ReportsSection) -> None:
    job = ReportsImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()
    job.compute_lights()


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _related(path: str, other: str) -> bool:
    return path.startswith(other) or other.startswith(path)


def project_keys(codes: set[str]) -> dict[str, Project]:
    """Project key → project for the projects of these jurisdictions (namesakes numbered by id, as the
    library section numbers them)."""
    rows = Project.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction").order_by("id")
    seen: Counter[tuple[str, str]] = Counter()
    keys = {}
    for p in rows:
        seen[(p.jurisdiction.code, p.name)] += 1
        keys[person_key(p.jurisdiction.code, p.name, seen[(p.jurisdiction.code, p.name)])] = p
    return keys


def user_ids(names: Iterable[str | None]) -> dict[str, int]:
    wanted = {n.lower() for n in names if n}
    users = User.objects.annotate(lname=Lower("username")).filter(lname__in=wanted)
    return {u.username.lower(): u.pk for u in users}


def _version_values(v: VersionRecord, users: dict[str, int]) -> dict[str, Any]:
    return {
        "version": v.version,
        "event": v.event,
        "status": v.status,
        "content": v.content,
        "author_id": users.get(v.author.lower()) if v.author else None,
        "at": v.at,
        "reason": v.reason,
        "is_proxy": v.is_proxy,
    }


class ReportsImport:
    """Runs after sections `organisation`, `library` and `chains` have written their records (same
    transaction), so the units, accounts, projects and chain nodes of the file are in the database."""

    def __init__(self, ctx: ImportContext, data: ReportsSection) -> None:
        self.ctx, self.data = ctx, data
        self.today = timezone.localdate()
        self.changed_projects: set[int] = set()
        self._load()

    # -----------------------------------------------------------------------------------------------
    # What the database holds for everything the file mentions (a few queries, whatever the size).

    def _load(self) -> None:
        d = self.data
        project_refs = {r.project for r in [*d.reports, *d.photos, *d.cameras]}
        unit_refs = {r.unit for r in d.reports}
        codes = {self.ctx.root} | {key.partition("/")[0] for key in project_refs | unit_refs}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(self.ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.projects = project_keys(codes)
        ids = {self.projects[key].pk for key in project_refs if key in self.projects}
        versions = Prefetch("versions", ReportVersion.objects.order_by("seq"))
        self.reports: dict[tuple[int, str, date], Report] = {}
        self.nodes: dict[tuple[int, str], int] = {}
        self.photos: dict[int, list[SitePhoto]] = defaultdict(list)
        self.cameras: dict[int, list[CameraLink]] = defaultdict(list)
        from tuijin.chains.models import ChainNode

        for batch in _batches(ids):
            for r in Report.objects.filter(project_id__in=batch).prefetch_related(versions):
                self.reports[(r.project_id, r.kind, r.period_start)] = r
            for pk, project_id, key in ChainNode.objects.filter(project_id__in=batch).values_list(
                "pk", "project_id", "key"
            ):
                self.nodes[(project_id, key)] = pk
            for photo in SitePhoto.objects.filter(project_id__in=batch).order_by("id"):
                self.photos[photo.project_id].append(photo)
            for camera in CameraLink.objects.filter(project_id__in=batch).order_by("id"):
                self.cameras[camera.project_id].append(camera)
        names = [getattr(r, name) for r in d.reports for name in USER_FIELDS]
        names += [v.author for r in d.reports for v in r.versions]
        names += [p.uploaded_by for p in d.photos] + [c.created_by for c in d.cameras]
        self.users = user_ids(names)

    # -----------------------------------------------------------------------------------------------
    # Checks: report every problem, write nothing.

    def _error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.ctx.error((*SECTION, *loc), message)

    def _user_id(self, username: str | None) -> int | None:
        """An account by username; one the installation lacks leaves the field empty."""
        return self.users.get(username.lower()) if username else None

    def _project(self, loc: tuple, key: str) -> Project | None:
        """The project of a record: in the file's library or the system, under the root, writable."""
        project = self.projects.get(key)
        if project is None:
            self._error((*loc, "project"), f"项目 “{key}” 在文件和系统中都不存在")
            return None
        assert self.root is not None
        path = project.jurisdiction.path
        if not path.startswith(self.root.path):
            self._error((*loc, "project"), f"项目 “{key}” 不在本文件的根辖区 {self.ctx.root} 之下")
            return None
        if not self.ctx.may_write(path):
            self.ctx.deny(f"{project.jurisdiction.code}（{project.jurisdiction.name}）")
        return project

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        self.file_reports: dict[tuple[str, str, date], int] = {}
        for i, record in enumerate(self.data.reports):
            self._check_report(i, record)
        self._check_seals()
        for i, photo in enumerate(self.data.photos):
            self._check_photo(i, photo)
        for i, camera in enumerate(self.data.cameras):
            self._project(("cameras", i), camera.project)

    def _check_report(self, i: int, r: ReportRecord) -> None:
        loc: tuple[str | int, ...] = ("reports", i)
        label = f"{r.project} {rules.period_label(r.kind, r.period_start)}{KIND_NAMES[r.kind]}"
        mine = (r.project, r.kind, r.period_start)
        if mine in self.file_reports:
            self._error((*loc, "period_start"), f"{label}重复（另见 reports[{self.file_reports[mine]}]）")
        self.file_reports.setdefault(mine, i)
        if rules.period_start(r.kind, r.period_start) != r.period_start:
            first = "该月 1 日" if r.kind == "monthly" else "星期一"
            self._error(
                (*loc, "period_start"),
                f"{KIND_NAMES[r.kind]}的周期起始日应为{first}，实际为 {r.period_start}",
            )
        elif message := rules.check_period(r.kind, r.period_start, today=self.today):
            self._error((*loc, "period_start"), message)
        project = self._project(loc, r.project)
        self._check_unit(loc, r, project)
        if r.kind != "monthly" and r.investment_completed is not None:
            self._error(
                (*loc, "investment_completed"), f"{label}：{KIND_NAMES[r.kind]}没有“本月完成投资”，应为 null"
            )
        content = {name: getattr(r, name) for name in rules.CONTENT_FIELDS}
        total = project.total_investment if project is not None else None
        for name, message in rules.check_content(
            r.kind, content, submitting=False, total_investment=total
        ).items():
            self._error((*loc, name), f"{label}：{message}")
        if r.status in ("submitted", "approved", "returned") and r.first_submitted_at is None:
            self._error(
                (*loc, "first_submitted_at"),
                f"{label}的状态为“{rules.STATUSES[r.status]}”，应有首次提交时间 first_submitted_at",
            )
        self._check_versions(loc, r, label)
        if project is not None:
            self._check_against_system(loc, r, project, label)

    def _check_unit(self, loc: tuple, r: ReportRecord, project: Project | None) -> None:
        parts = split_unit_key(r.unit)
        if parts is None:
            self._error((*loc, "unit"), f"单位键应写作“辖区代码/单位名称”，实际为 “{r.unit}”")
        elif parts not in self.units:
            self._error((*loc, "unit"), f"填报单位“{parts[1]}”（辖区 {parts[0]}）在文件和系统中都不存在")
        elif project is not None and not _related(
            self.units[parts].jurisdiction.path, project.jurisdiction.path
        ):
            self._error((*loc, "unit"), f"填报单位“{parts[1]}”不属于项目所在辖区或其上级、下级辖区")

    def _check_versions(self, loc: tuple, r: ReportRecord, label: str) -> None:
        last = 0
        for k, v in enumerate(r.versions):
            if v.seq <= last:
                self._error(
                    (*loc, "versions", k, "seq"),
                    f"{label}的版本记录序号应从 1 起依次递增，第 {k + 1} 条为 {v.seq}（前一条为 {last}）",
                )
            last = max(last, v.seq)

    def _check_against_system(self, loc: tuple, r: ReportRecord, project: Project, label: str) -> None:
        """Versions are append-only; an accepted report is final (and may be sealed)."""
        held = self.reports.get((project.pk, r.kind, r.period_start))
        if held is None:
            return
        mine = {v.seq: v for v in r.versions}
        for v in held.versions.all():
            wanted = mine.get(v.seq)
            if wanted is None:
                last = max(mine, default=0)
                self._error(
                    (*loc, "versions"),
                    f"{label}在系统中已有第 {v.seq} 条版本记录，文件只到第 {last} 条：文件比系统旧，版本记录不能删除",
                )
                return
            values = _version_values(wanted, self.users)
            if any(getattr(v, name) != value for name, value in values.items()):
                self._error(
                    (*loc, "versions", r.versions.index(wanted)),
                    f"{label}的第 {v.seq} 条版本记录与系统中的不同：版本记录只能追加，不能修改",
                )
        if held.status == "accepted" and self._report_changes(held, r):
            self._error(
                loc,
                f"{label}在系统中已审核通过（已通过的报告是最终的，可能已封存），文件中的内容或状态与之不同，不能由导入修改",
            )

    def _report_values(self, r: ReportRecord) -> dict[str, Any]:
        unit = self.units.get(split_unit_key(r.unit))  # type: ignore[arg-type]
        return {
            **{name: getattr(r, name) for name in PLAIN_FIELDS},
            "investment_completed": r.investment_completed,
            **{f"{name}_id": self._user_id(getattr(r, name)) for name in USER_FIELDS},
            **{name: getattr(r, name) for name in MOMENT_FIELDS},
            "unit_id": unit.pk if unit is not None else None,
        }

    def _report_changes(self, held: Report, r: ReportRecord) -> dict[str, Any]:
        values = self._report_values(r)
        changed = {name: v for name, v in values.items() if getattr(held, name) != v}
        if len(r.versions) != len(held.versions.all()):
            changed["versions"] = True
        return changed

    def _check_seals(self) -> None:
        """A new or changed accepted report must not fall into a period the system has already sealed."""
        from tuijin.core.models import Seal

        from ..ledger import SEAL_KINDS, period_key

        wanted: dict[tuple[int, str, str], int] = {}
        for i, r in enumerate(self.data.reports):
            project = self.projects.get(r.project)
            if r.status != "accepted" or project is None or split_unit_key(r.unit) not in self.units:
                continue
            if r.kind not in SEAL_KINDS:  # 本周新开工 is not sealed
                continue
            held = self.reports.get((project.pk, r.kind, r.period_start))
            if held is not None and not self._report_changes(held, r):
                continue
            wanted[(project.jurisdiction_id, SEAL_KINDS[r.kind], period_key(r.kind, r.period_start))] = i
        if not wanted:
            return
        seals = Seal.objects.filter(
            jurisdiction_id__in={k[0] for k in wanted},
            kind__in={k[1] for k in wanted},
            period_key__in={k[2] for k in wanted},
        ).values_list("jurisdiction_id", "kind", "period_key", "sequence")
        for jurisdiction_id, kind, key, sequence in seals:
            i = wanted.get((jurisdiction_id, kind, key))
            if i is not None:
                r = self.data.reports[i]
                self._error(
                    ("reports", i),
                    f"{r.project} {rules.period_label(r.kind, r.period_start)}{KIND_NAMES[r.kind]}："
                    f"本系统已封存该期（{key}，第 {sequence} 次封存），导入不能在已封存的期间新增或修改已通过的报告",
                )

    def _check_photo(self, i: int, p: Any) -> None:
        loc: tuple[str | int, ...] = ("photos", i)
        project = self._project(loc, p.project)
        if message := rules.check_taken_on(p.taken_on, today=self.today):
            self._error((*loc, "taken_on"), message)
        if project is None:
            return
        if p.report is not None:
            ref = (p.project, p.report.kind, p.report.period_start)
            if ref not in self.file_reports and (project.pk, *ref[1:]) not in self.reports:
                self._error(
                    (*loc, "report"),
                    f"照片所属的{rules.period_label(*ref[1:])}{KIND_NAMES[ref[1]]}（项目 “{p.project}”）在文件和系统中都不存在",
                )
        if p.node is not None and (project.pk, p.node) not in self.nodes:
            self._error((*loc, "node"), f"项目 “{p.project}” 的推进链条中没有节点 “{p.node}”")

    # -----------------------------------------------------------------------------------------------
    # Writes: only after every check passed, inside the service's transaction.

    def apply(self) -> None:
        self._apply_reports()
        self._apply_photos()
        self._apply_cameras()

    def _apply_reports(self) -> None:
        new: list[tuple[Report, ReportRecord]] = []
        versions: list[ReportVersion] = []
        for r in self.data.reports:
            project = self.projects[r.project]
            values = self._report_values(r)
            values["events"] = max((v.seq for v in r.versions), default=0)
            held = self.reports.get((project.pk, r.kind, r.period_start))
            if held is None:
                new.append(
                    (Report(project_id=project.pk, kind=r.kind, period_start=r.period_start, **values), r)
                )
                self.ctx.count("reports", "created")
                self.changed_projects.add(project.pk)
                continue
            changed = {name: v for name, v in values.items() if getattr(held, name) != v}
            if changed:
                for name, v in changed.items():
                    setattr(held, name, v)
                held.save(update_fields=list(changed))
                self.changed_projects.add(project.pk)
            self.ctx.count("reports", "updated" if changed else "unchanged")
            have = {v.seq for v in held.versions.all()}
            for v in r.versions:
                if v.seq in have:
                    self.ctx.count("report_versions", "unchanged")
                else:
                    versions.append(
                        ReportVersion(report_id=held.pk, seq=v.seq, **_version_values(v, self.users))
                    )
                    self.ctx.count("report_versions", "created")
        reports = [report for report, _ in new]
        Report.objects.bulk_create(reports, batch_size=500)
        if any(report.pk is None for report in reports):  # a database that does not return new ids
            ids = {
                (p, k, s): pk
                for p, k, s, pk in Report.objects.filter(
                    project_id__in={x.project_id for x in reports}
                ).values_list("project_id", "kind", "period_start", "pk")
            }
            for report in reports:
                report.pk = ids[(report.project_id, report.kind, report.period_start)]
        for report, r in new:
            self.reports[(report.project_id, report.kind, report.period_start)] = report
            for v in r.versions:
                versions.append(
                    ReportVersion(report_id=report.pk, seq=v.seq, **_version_values(v, self.users))
                )
                self.ctx.count("report_versions", "created")
        ReportVersion.objects.bulk_create(versions, batch_size=1000)

    def _apply_photos(self) -> None:
        pool: dict[tuple, list[SitePhoto]] = defaultdict(list)
        for photos in self.photos.values():
            for photo in photos:
                pool[_photo_signature(photo)].append(photo)
        stamps: dict[datetime, list[SitePhoto]] = defaultdict(list)
        created = []
        for p in self.data.photos:
            project = self.projects[p.project]
            report = self.reports[(project.pk, p.report.kind, p.report.period_start)].pk if p.report else None
            values = {
                "project_id": project.pk,
                "report_id": report,
                "node_id": self.nodes[(project.pk, p.node)] if p.node else None,
                "taken_on": p.taken_on,
                "caption": p.caption,
                "content_type": p.content_type,
                "size": p.size,
                "original_name": p.original_name,
                "uploaded_by_id": self._user_id(p.uploaded_by),
            }
            same = pool.get(_photo_signature(values))
            if same:
                same.pop(0)
                self.ctx.count("site_photos", "unchanged")
                continue
            photo = SitePhoto(**values, file="", thumbnail="")  # the image is not exchanged
            created.append(photo)
            if p.uploaded_at is not None:
                stamps[p.uploaded_at].append(photo)
            self.ctx.count("site_photos", "created")
        SitePhoto.objects.bulk_create(created, batch_size=1000)
        self._stamp(SitePhoto, "uploaded_at", stamps)

    def _apply_cameras(self) -> None:
        pool: dict[tuple, list[CameraLink]] = defaultdict(list)
        for cameras in self.cameras.values():
            for camera in cameras:
                pool[(camera.project_id, camera.name, camera.url)].append(camera)
        stamps: dict[datetime, list[CameraLink]] = defaultdict(list)
        created = []
        for c in self.data.cameras:
            project_id = self.projects[c.project].pk
            same = pool.get((project_id, c.name, c.url))
            if same:
                same.pop(0)
                self.ctx.count("camera_links", "unchanged")
                continue
            camera = CameraLink(
                project_id=project_id, name=c.name, url=c.url, created_by_id=self._user_id(c.created_by)
            )
            created.append(camera)
            if c.created_at is not None:
                stamps[c.created_at].append(camera)
            self.ctx.count("camera_links", "created")
        CameraLink.objects.bulk_create(created, batch_size=1000)
        self._stamp(CameraLink, "created_at", stamps)

    def _stamp(self, model: type, field: str, stamps: dict[datetime, list[Any]]) -> None:
        """The moments the file carries for what the database stamps itself (auto_now_add)."""
        if not stamps:
            return
        if any(obj.pk is None for objs in stamps.values() for obj in objs):
            return  # a database that does not return new ids: keep the import time
        for moment, objs in stamps.items():
            for batch in _batches(obj.pk for obj in objs):
                model.objects.filter(pk__in=batch).update(**{field: moment})

    def compute_lights(self) -> None:
        """Staleness lights read the reports: recompute the root's subtree when any report changed."""
        if not self.changed_projects or self.root is None:
            return
        from tuijin.lights.services import lights_recompute

        lights_recompute(today=self.today, jurisdiction=self.root)


def _photo_signature(row: Any) -> tuple:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return tuple(
        get(name)
        for name in (
            "project_id",
            "report_id",
            "node_id",
            "taken_on",
            "caption",
            "content_type",
            "size",
            "original_name",
            "uploaded_by_id",
        )
    )
