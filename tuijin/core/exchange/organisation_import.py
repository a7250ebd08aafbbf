"""Importing section `organisation`: check every record and reference first, then upsert by natural keys.

Natural keys: jurisdictions by code; units by (jurisdiction, name); people by person key (schema.py);
leading groups by jurisdiction (their members in the file become the whole roster); accounts by username
(case-insensitive). Nothing is deleted except leading-group members missing from the file; a record the
source retired comes with `is_active: false`. A jurisdiction's parent cannot change through an import.
New accounts get an unusable password and must be reset by an office admin; existing passwords stay.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models.functions import Lower

from tuijin.org.models import (
    Jurisdiction,
    LeadingGroup,
    LeadingGroupMember,
    Person,
    Role,
    Unit,
    User,
    admin_site_access,
)

from .registry import ImportContext
from .schema import OrganisationSection, person_key, person_key_ordinal, split_unit_key

SECTION = ("sections", "organisation")
MAX_PATH = 255  # Jurisdiction.path


def import_organisation(ctx: ImportContext, data: OrganisationSection) -> None:
    job = OrganisationImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()


class OrganisationImport:
    def __init__(self, ctx: ImportContext, data: OrganisationSection) -> None:
        self.ctx = ctx
        self.data = data
        self.root_path: str | None = None
        self.file_paths: dict[str, str] = {}  # code → path, for `jurisdictions`
        self.resolved: dict[str, str | None] = {}  # code → path, or None when it cannot be placed
        self.ancestor_paths: dict[str, str] = {}
        self.file_units: dict[tuple[str, str], int] = {}  # (code, name) → position
        self.file_people: dict[str, int] = {}  # person key → position
        self.ordinals: dict[int, int] = {}  # position in people → its ordinal among namesakes
        self._load()

    # -----------------------------------------------------------------------------------------------
    # What the database already holds for every code the file mentions (one query per model).

    def _mentioned_codes(self) -> set[str]:
        d = self.data
        codes = {self.ctx.root}
        codes |= {j.code for j in [*d.ancestors, *d.jurisdictions]}
        codes |= {j.parent_code for j in d.jurisdictions if j.parent_code}
        codes |= {u.jurisdiction_code for u in d.units} | {u.governs_code for u in d.units if u.governs_code}
        codes |= {r.jurisdiction_code for r in [*d.people, *d.leading_groups, *d.accounts]}
        keys = [p.unit for p in d.people if p.unit] + [k for p in d.people for k in p.units_in_charge]
        keys += [g.office for g in d.leading_groups if g.office] + [a.unit for a in d.accounts if a.unit]
        keys += [m.person for g in d.leading_groups for m in g.members] + [
            a.person for a in d.accounts if a.person
        ]
        return codes | {key.partition("/")[0] for key in keys}

    def _load(self) -> None:
        codes = self._mentioned_codes()
        self.db_jurisdictions = {
            j.code: j for j in Jurisdiction.objects.filter(code__in=codes).select_related("parent")
        }
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.db_units = {(u.jurisdiction.code, u.name): u for u in units}
        self.db_people: dict[str, Person] = {}
        self.db_namesakes: Counter[str] = Counter()  # "code/name" → how many the database holds
        for p in (
            Person.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction").order_by("id")
        ):
            base = f"{p.jurisdiction.code}/{p.name}"
            self.db_namesakes[base] += 1
            self.db_people[person_key(p.jurisdiction.code, p.name, self.db_namesakes[base])] = p
        names = {a.username.lower() for a in self.data.accounts}
        users = (
            User.objects.annotate(lname=Lower("username"))
            .filter(lname__in=names)
            .select_related("jurisdiction")
        )
        self.db_users = {u.username.lower(): u for u in users}

    # -----------------------------------------------------------------------------------------------
    # Checks: report every problem, write nothing.

    def check(self) -> None:
        self._check_ancestors()
        self._check_jurisdictions()
        self._check_units()
        self._check_people()
        self._check_groups()
        self._check_accounts()

    def _error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.ctx.error((*SECTION, *loc), message)

    def _check_ancestors(self) -> None:
        """The chain above the root places a root that the database lacks; otherwise it is not used."""
        parent_path = "/"
        for i, a in enumerate(self.data.ancestors):
            expected = self.data.ancestors[i - 1].code if i else None
            if a.parent_code != expected:
                self._error(
                    ("ancestors", i, "parent_code"),
                    f"上级链应自上而下逐级排列：应为 {expected or 'null'}，实际为 {a.parent_code or 'null'}",
                )
            existing = self.db_jurisdictions.get(a.code)
            if self.ctx.root in self.db_jurisdictions:
                continue
            path = existing.path if existing else f"{parent_path}{a.code}/"
            if existing is None and not self.ctx.may_write(path):
                self.ctx.deny(f"{a.code}（{a.name}）")
            self.ancestor_paths[a.code] = parent_path = path

    def _check_jurisdictions(self) -> None:
        positions: dict[str, int] = {}
        for i, j in enumerate(self.data.jurisdictions):
            if j.code in positions:
                self._error(
                    ("jurisdictions", i, "code"),
                    f"辖区代码 {j.code} 重复（另见 jurisdictions[{positions[j.code]}]）",
                )
            elif j.code in {a.code for a in self.data.ancestors}:
                self._error(
                    ("jurisdictions", i, "code"),
                    f"辖区 {j.code} 已列在 ancestors 中，不能同时列在 jurisdictions 中",
                )
            else:
                positions[j.code] = i
        if self.ctx.root not in positions:
            self.ctx.error(
                ("root",), f"根辖区 {self.ctx.root} 没有列在 sections.organisation.jurisdictions 中"
            )
            return
        for code in [self.ctx.root, *positions]:
            self._resolve_path(code, positions, [])
        for code, path in self.file_paths.items():
            record = self.data.jurisdictions[positions[code]]
            if not self.ctx.may_write(path):
                self.ctx.deny(f"{code}（{record.name}）")
            if len(path) > MAX_PATH:
                self._error(
                    ("jurisdictions", positions[code], "code"), f"辖区层级过深（路径超过 {MAX_PATH} 个字符）"
                )

    def _resolve_path(self, code: str, positions: dict[str, int], visiting: list[str]) -> str | None:
        """The path the jurisdiction has or will have (None when it cannot be placed), each problem
        reported once: a missing parent, a cycle, a move, a place outside the root."""
        if code in self.resolved:
            return self.resolved[code]
        loc = ("jurisdictions", positions[code], "parent_code")
        if code in visiting:
            cycle = " → ".join([*visiting[visiting.index(code) :], code])
            self._error(loc, f"上级关系成环：{cycle}")
            return None
        visiting.append(code)
        path = self._place(self.data.jurisdictions[positions[code]], positions, visiting, loc)
        self.resolved[code] = path
        if path is not None:
            self.file_paths[code] = path
            if code == self.ctx.root:
                self.root_path = path
        return path

    def _place(self, record: Any, positions: dict[str, int], visiting: list[str], loc: tuple) -> str | None:
        existing = self.db_jurisdictions.get(record.code)
        if existing is None:
            parent_path = self._parent_path(record, positions, visiting, loc)
            return None if parent_path is None else f"{parent_path}{record.code}/"
        if not self._same_parent(existing, record, loc):
            return None
        if self.root_path is not None and not existing.path.startswith(self.root_path):
            self._error(
                loc, f"辖区 {record.code}（{existing.name}）在系统中不在本文件的根辖区 {self.ctx.root} 之下"
            )
            return None
        return existing.path

    def _same_parent(self, existing: Jurisdiction, record: Any, loc: tuple) -> bool:
        """A jurisdiction the database holds keeps its parent. A root whose file names no parent (an
        installation that holds no levels above it) takes its place in the tree here."""
        was = existing.parent.code if existing.parent else None
        if was == record.parent_code or (record.code == self.ctx.root and record.parent_code is None):
            return True
        self._error(
            loc,
            f"辖区 {record.code} 在系统中的上级为 {was or 'null'}，文件中为 {record.parent_code or 'null'}；导入不能改变辖区的上级",
        )
        return False

    def _parent_path(
        self, record: Any, positions: dict[str, int], visiting: list[str], loc: tuple
    ) -> str | None:
        parent = record.parent_code
        if record.code == self.ctx.root:
            return self._root_parent_path(parent, loc)
        if parent is None:
            self._error(loc, f"只有根辖区 {self.ctx.root} 可以没有上级")
            return None
        if parent in positions:
            return self._resolve_path(parent, positions, visiting)
        existing = self.db_jurisdictions.get(parent)
        if existing is None:
            self._error(loc, f"上级辖区代码 {parent} 在文件和系统中都不存在")
            return None
        if self.root_path is not None and not existing.path.startswith(self.root_path):
            self._error(loc, f"上级辖区 {parent}（{existing.name}）不在本文件的根辖区 {self.ctx.root} 之下")
            return None
        return existing.path

    def _root_parent_path(self, parent: str | None, loc: tuple) -> str | None:
        if parent is None:
            return "/"
        chain = self.data.ancestors
        if chain and parent != chain[-1].code:
            self._error(loc, f"根辖区的上级应为 ancestors 的最后一项 {chain[-1].code}，实际为 {parent}")
            return None
        if parent in self.ancestor_paths:
            return self.ancestor_paths[parent]
        existing = self.db_jurisdictions.get(parent)
        if existing is None:
            self._error(loc, f"根辖区的上级 {parent} 在系统中不存在，文件的 ancestors 中也没有")
            return None
        return existing.path

    def _jurisdiction_path(self, loc: tuple, code: str) -> str | None:
        """Where a record's jurisdiction lies: in the file, or in the database under the root."""
        if code in self.file_paths:
            return self.file_paths[code]
        existing = self.db_jurisdictions.get(code)
        if existing is None:
            if code not in self.ancestor_paths:
                self._error(loc, f"辖区代码 {code} 在文件和系统中都不存在")
            else:
                self._error(loc, f"辖区 {code} 是根辖区 {self.ctx.root} 的上级，不在本文件的范围内")
            return None
        if self.root_path is not None and not existing.path.startswith(self.root_path):
            self._error(loc, f"辖区 {code}（{existing.name}）不在本文件的根辖区 {self.ctx.root} 之下")
            return None
        return existing.path

    def _check_units(self) -> None:
        for i, u in enumerate(self.data.units):
            self._jurisdiction_path(("units", i, "jurisdiction_code"), u.jurisdiction_code)
            key = (u.jurisdiction_code, u.name)
            if key in self.file_units:
                self._error(
                    ("units", i, "name"),
                    f"单位“{u.name}”在辖区 {u.jurisdiction_code} 中重复（另见 units[{self.file_units[key]}]）",
                )
            else:
                self.file_units[key] = i
            governs = u.governs_code
            known = (
                governs in self.file_paths
                or governs in self.ancestor_paths
                or governs in self.db_jurisdictions
            )
            if governs and not known:
                self._error(("units", i, "governs_code"), f"辖区代码 {governs} 在文件和系统中都不存在")

    def _unit_path(self, loc: tuple, key: str) -> str | None:
        """The jurisdiction path of the unit a key names, reporting a key that names no unit."""
        parts = split_unit_key(key)
        if parts is None:
            self._error(loc, f"单位键应写作“辖区代码/单位名称”，实际为 “{key}”")
            return None
        if parts in self.file_units:
            return self.file_paths.get(parts[0]) or self._db_path(parts[0])
        if parts in self.db_units:
            path = self.db_units[parts].jurisdiction.path
            return path if self._under_root(loc, path, f"单位“{key}”") else None
        self._error(loc, f"单位“{parts[1]}”（辖区 {parts[0]}）在文件和系统中都不存在")
        return None

    def _under_root(self, loc: tuple, path: str, what: str) -> bool:
        """Records the file refers to but does not carry must still lie under its root: a file speaks
        for its subtree only."""
        if self.root_path is None or path.startswith(self.root_path):
            return True
        self._error(loc, f"{what}不在本文件的根辖区 {self.ctx.root} 之下")
        return False

    def _db_path(self, code: str) -> str | None:
        existing = self.db_jurisdictions.get(code)
        return existing.path if existing else None

    def _unit_within(self, loc: tuple, key: str | None, path: str | None, code: str, what: str) -> None:
        if key is None:
            return
        unit_path = self._unit_path(loc, key)
        if unit_path and path and not unit_path.startswith(path):
            self._error(loc, f"单位“{key}”不在{what}所属辖区 {code} 内")

    def _check_people(self) -> None:
        by_base: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self.data.people):
            path = self._jurisdiction_path(("people", i, "jurisdiction_code"), p.jurisdiction_code)
            self._check_person_key(i, p, by_base)
            self._unit_within(("people", i, "unit"), p.unit, path, p.jurisdiction_code, "人员")
            seen: set[str] = set()
            for k, key in enumerate(p.units_in_charge):
                if key in seen:
                    self._error(("people", i, "units_in_charge", k), f"分管单位“{key}”重复")
                seen.add(key)
                self._unit_path(("people", i, "units_in_charge", k), key)
        for base, positions in by_base.items():
            self._check_namesakes(base, positions)

    def _check_person_key(self, i: int, p: Any, by_base: dict[str, list[int]]) -> None:
        base = f"{p.jurisdiction_code}/{p.name}"
        ordinal = person_key_ordinal(p.key, p.jurisdiction_code, p.name)
        if ordinal is None:
            self._error(
                ("people", i, "key"),
                f"人员键应为 “{base}”（同名时依次为 “{base}#2”“{base}#3”…），实际为 “{p.key}”",
            )
            return
        if p.key in self.file_people:
            self._error(
                ("people", i, "key"), f"人员键 “{p.key}” 重复（另见 people[{self.file_people[p.key]}]）"
            )
            return
        self.file_people[p.key] = i
        self.ordinals[i] = ordinal
        by_base[base].append(i)

    def _check_namesakes(self, base: str, positions: list[int]) -> None:
        """New namesakes must continue the numbering the database has, so keys stay the same after import."""
        held = self.db_namesakes[base]
        new = sorted(self.ordinals[i] for i in positions if self.ordinals[i] > held)
        if new != list(range(held + 1, held + 1 + len(new))):
            first = min(positions, key=lambda i: self.ordinals[i])
            expected = person_key(*base.split("/", 1), held + 1)
            self._error(
                ("people", first, "key"),
                f"同名人员 “{base}” 的键应连续编号：系统中已有 {held} 位，新增的应从 “{expected}” 起依次编号",
            )

    def _person_exists(self, loc: tuple, key: str) -> bool:
        if key in self.file_people:
            return True
        if key in self.db_people:
            return self._under_root(loc, self.db_people[key].jurisdiction.path, f"人员 “{key}” ")
        self._error(loc, f"人员 “{key}” 在文件和系统中都不存在")
        return False

    def _check_groups(self) -> None:
        seen: dict[str, int] = {}
        for i, g in enumerate(self.data.leading_groups):
            self._jurisdiction_path(("leading_groups", i, "jurisdiction_code"), g.jurisdiction_code)
            if g.jurisdiction_code in seen:
                self._error(
                    ("leading_groups", i, "jurisdiction_code"),
                    f"辖区 {g.jurisdiction_code} 只能有一个领导小组（另见 leading_groups[{seen[g.jurisdiction_code]}]）",
                )
            seen.setdefault(g.jurisdiction_code, i)
            if g.office:
                self._unit_path(("leading_groups", i, "office"), g.office)
            members: dict[str, int] = {}
            for k, m in enumerate(g.members):
                loc = ("leading_groups", i, "members", k, "person")
                if m.person in members:
                    self._error(
                        loc, f"人员 “{m.person}” 在领导小组中重复（另见 members[{members[m.person]}]）"
                    )
                members.setdefault(m.person, k)
                self._person_exists(loc, m.person)

    def _check_accounts(self) -> None:
        usernames: dict[str, int] = {}
        persons: dict[str, int] = {}
        for i, a in enumerate(self.data.accounts):
            lname = a.username.lower()
            if lname in usernames:
                self._error(
                    ("accounts", i, "username"),
                    f"用户名 “{a.username}” 重复（另见 accounts[{usernames[lname]}]，用户名不区分大小写）",
                )
            usernames.setdefault(lname, i)
            path = self._jurisdiction_path(("accounts", i, "jurisdiction_code"), a.jurisdiction_code)
            self._unit_within(("accounts", i, "unit"), a.unit, path, a.jurisdiction_code, "账号")
            if a.role in (Role.UNIT_HEAD, Role.UNIT_REPORTER) and not a.unit:
                self._error(("accounts", i, "unit"), "单位负责人和填报员必须指定所在单位")
            if a.person:
                if a.person in persons:
                    self._error(
                        ("accounts", i, "person"),
                        f"人员 “{a.person}” 已关联 accounts[{persons[a.person]}]，一人只能有一个账号",
                    )
                persons.setdefault(a.person, i)
                self._person_exists(("accounts", i, "person"), a.person)
            self._check_existing_account(i, a)
        self._check_person_links(usernames)

    def _check_existing_account(self, i: int, a: Any) -> None:
        user = self.db_users.get(a.username.lower())
        if user is None:
            return
        if user.is_superuser and not self.ctx.system:
            self.ctx.deny(f"超级管理员账号 {user.username}")
        elif not self.ctx.may_write(user.jurisdiction.path if user.jurisdiction else ""):
            where = user.jurisdiction.code if user.jurisdiction else "无辖区"
            self.ctx.deny(f"账号 {user.username}（属于 {where}）")
        if self.ctx.actor is not None and user.pk == self.ctx.actor.pk and not a.is_active:
            self._error(("accounts", i, "is_active"), "不能通过导入停用自己的账号")

    def _check_person_links(self, usernames: dict[str, int]) -> None:
        """A person already linked to an account that the file does not mention cannot take another."""
        wanted = {
            self.db_people[a.person].pk: i
            for i, a in enumerate(self.data.accounts)
            if a.person in self.db_people
        }
        for user in User.objects.filter(person_id__in=wanted).only("username", "person_id"):
            i = wanted[user.person_id]
            if user.username.lower() not in usernames:
                self._error(
                    ("accounts", i, "person"),
                    f"人员 “{self.data.accounts[i].person}” 已关联账号 “{user.username}”，一人只能有一个账号",
                )

    # -----------------------------------------------------------------------------------------------
    # Writes: only after every check passed, inside the service's transaction.

    def apply(self) -> None:
        self.jurisdiction_ids = {code: j.pk for code, j in self.db_jurisdictions.items()}
        self._apply_ancestors()
        self._apply_jurisdictions()
        self.unit_ids = {key: u.pk for key, u in self.db_units.items()}
        self._apply_units()
        self.person_ids = {key: p.pk for key, p in self.db_people.items()}
        self._apply_people()
        self._apply_groups()
        self._apply_accounts()

    def _upsert(self, obj: Any, model: type, values: dict[str, Any]) -> tuple[Any, str]:
        """Create, update only what differs, or leave alone; returns the record and what happened."""
        if obj is None:
            obj = model(**values)
            outcome = "created"
        else:
            changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
            if not changed:
                return obj, "unchanged"
            for name, value in changed.items():
                setattr(obj, name, value)
            outcome = "updated"
        obj._change_reason = self.ctx.reason
        obj.save()
        return obj, outcome

    def _unit_id(self, key: str | None) -> int | None:
        return self.unit_ids[split_unit_key(key)] if key else None  # type: ignore[index]

    def _apply_ancestors(self) -> None:
        parent_id = None
        for a in self.data.ancestors:
            if a.code not in self.jurisdiction_ids:
                values = {"code": a.code, "name": a.name, "level": a.level, "parent_id": parent_id}
                obj, outcome = self._upsert(None, Jurisdiction, values)
                self.jurisdiction_ids[a.code] = obj.pk
                self.ctx.count("jurisdictions", outcome)
            parent_id = self.jurisdiction_ids[a.code]

    def _apply_jurisdictions(self) -> None:
        # Parents first: order by the depth of the path each will have.
        for j in sorted(self.data.jurisdictions, key=lambda j: self.file_paths[j.code].count("/")):
            existing = self.db_jurisdictions.get(j.code)
            if existing is not None:  # the parent never changes (checked)
                parent_id = existing.parent_id
            else:
                parent_id = self.jurisdiction_ids[j.parent_code] if j.parent_code else None
            values = {"code": j.code, "name": j.name, "level": j.level, "parent_id": parent_id}
            obj, outcome = self._upsert(existing, Jurisdiction, values)
            self.jurisdiction_ids[j.code] = obj.pk
            self.ctx.count("jurisdictions", outcome)

    def _apply_units(self) -> None:
        for u in self.data.units:
            values = {
                "jurisdiction_id": self.jurisdiction_ids[u.jurisdiction_code],
                "name": u.name,
                "short_name": u.short_name,
                "kind": u.kind,
                "rank_group": u.rank_group,
                "governs_id": self.jurisdiction_ids.get(u.governs_code) if u.governs_code else None,
                "is_active": u.is_active,
                "sort": u.sort,
            }
            key = (u.jurisdiction_code, u.name)
            obj, outcome = self._upsert(self.db_units.get(key), Unit, values)
            self.unit_ids[key] = obj.pk
            self.ctx.count("units", outcome)

    def _apply_people(self) -> None:
        # Namesakes are created in key order, so their ids number them as their keys do.
        order = sorted(range(len(self.data.people)), key=lambda i: self.ordinals[i])
        for i in order:
            p = self.data.people[i]
            values = {
                "jurisdiction_id": self.jurisdiction_ids[p.jurisdiction_code],
                "name": p.name,
                "unit_id": self._unit_id(p.unit),
                "post": p.post,
                "is_leader": p.is_leader,
                "phone": p.phone,
                "email": p.email,
                "is_active": p.is_active,
            }
            existing = self.db_people.get(p.key)
            obj, outcome = self._upsert(existing, Person, values)
            self.person_ids[p.key] = obj.pk
            wanted = {self._unit_id(key) for key in p.units_in_charge}
            held = set() if existing is None else set(obj.units_in_charge.values_list("pk", flat=True))
            if wanted != held:
                obj.units_in_charge.set(wanted)
                outcome = "created" if existing is None else "updated"
            self.ctx.count("people", outcome)

    def _apply_groups(self) -> None:
        existing = {
            g.jurisdiction_id: g
            for g in LeadingGroup.objects.filter(jurisdiction_id__in=self.jurisdiction_ids.values())
        }
        for g in self.data.leading_groups:
            jurisdiction_id = self.jurisdiction_ids[g.jurisdiction_code]
            values = {
                "jurisdiction_id": jurisdiction_id,
                "name": g.name,
                "office_id": self._unit_id(g.office),
                "office_duties": g.office_duties,
            }
            group, outcome = self._upsert(existing.get(jurisdiction_id), LeadingGroup, values)
            self.ctx.count("leading_groups", outcome)
            self._apply_members(group, g.members, fresh=outcome == "created")

    def _apply_members(self, group: LeadingGroup, members: list, *, fresh: bool) -> None:
        held = {} if fresh else {m.person_id: m for m in group.members.all()}
        for m in members:
            person_id = self.person_ids[m.person]
            values = {"group_id": group.pk, "person_id": person_id, "role": m.role, "sort": m.sort}
            _, outcome = self._upsert(held.pop(person_id, None), LeadingGroupMember, values)
            self.ctx.count("leading_group_members", outcome)
        for gone in held.values():
            gone._change_reason = self.ctx.reason
            gone.delete()
            self.ctx.count("leading_group_members", "removed")

    def _apply_accounts(self) -> None:
        self._release_moved_persons()
        for a in self.data.accounts:
            user = self.db_users.get(a.username.lower())
            values = {
                "display_name": a.display_name,
                "role": a.role,
                "jurisdiction_id": self.jurisdiction_ids[a.jurisdiction_code],
                "unit_id": self._unit_id(a.unit),
                "person_id": self.person_ids[a.person] if a.person else None,
                "is_active": a.is_active,
            }
            if user is None or not user.is_superuser:
                values["is_staff"] = admin_site_access(a.role)
            if user is None:
                self._create_account(a.username, values)
                self.ctx.count("accounts", "created")
            else:
                self.ctx.count("accounts", self._upsert(user, User, values)[1])

    def _create_account(self, username: str, values: dict[str, Any]) -> User:
        """A new account has no usable password: an office admin resets it before the first log-in."""
        user = User(username=username, must_change_password=True, **values)
        user.set_unusable_password()
        user._change_reason = self.ctx.reason
        user.save()
        return user

    def _release_moved_persons(self) -> None:
        """Unlink persons that move between accounts first, so the one-to-one link is never doubled."""
        for a in self.data.accounts:
            user = self.db_users.get(a.username.lower())
            new_person = self.person_ids[a.person] if a.person else None
            if user is not None and user.person_id is not None and user.person_id != new_person:
                User.objects.filter(pk=user.pk).update(person=None)
