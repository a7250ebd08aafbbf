"""The checks every section loader of the exchange format shares (problems, meetings, supervision): who
did it, which jurisdiction a record belongs to, which unit it names. A loader sets `section` (its key path,
e.g. ("sections", "problems")) and the attributes it reads: `ctx` (the ImportContext), `users` (username
→ id), `user` (the importing user or None), `jurisdictions` (code → Jurisdiction), `root` (the file's root
jurisdiction) and `units` ((jurisdiction code, unit name) → Unit)."""

from __future__ import annotations

from typing import Any

from tuijin.core.exchange.schema import split_unit_key


def related(path: str, other: str) -> bool:
    """One jurisdiction is the other, or above or below it (materialised paths)."""
    return path.startswith(other) or other.startswith(path)


class SectionChecks:
    section: tuple[str, ...] = ()
    ctx: Any
    users: dict[str, int]
    user: Any
    jurisdictions: dict[str, Any]
    root: Any
    units: dict[tuple[str, str], Any]

    def _error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.ctx.error((*self.section, *loc), message)

    def _user_id(self, username: str | None) -> int | None:
        return self.users.get(username.lower()) if username else None

    def _someone(self, username: str | None) -> int | None:
        """Who filed, issued or uploaded (never empty): the account, else the importing user."""
        return self._user_id(username) or (self.user.pk if self.user is not None else None)

    def _require_someone(self, loc: tuple, username: str | None, what: str) -> None:
        if self._someone(username) is None:
            who = f"账号“{username}”在文件和系统中都不存在" if username else "未写明"
            self._error(loc, f"{what}{who}；命令行导入时须是系统或文件 organisation 数据段中的账号")

    def _within(self, loc: tuple, code: str) -> Any:
        """The jurisdiction of `code` if it is under the file's root (else an error); a jurisdiction the
        importing user may not write is recorded as denied."""
        found = self.jurisdictions.get(code)
        if found is None:
            self._error(loc, f"辖区代码 {code} 在文件和系统中都不存在")
            return None
        assert self.root is not None
        if not found.path.startswith(self.root.path):
            self._error(loc, f"辖区 {code}（{found.name}）不在本文件的根辖区 {self.ctx.root} 之下")
            return None
        if not self.ctx.may_write(found.path):
            self.ctx.deny(f"{code}（{found.name}）")
        return found

    def _unit(self, loc: tuple, key: str | None, path: str, what: str) -> bool:
        """The unit key names a unit of this jurisdiction or one above or below it (None: nothing named)."""
        if key is None:
            return True
        parts = split_unit_key(key)
        if parts is None:
            self._error(loc, f"单位键应写作“辖区代码/单位名称”，实际为 “{key}”")
        elif parts not in self.units:
            self._error(loc, f"{what}“{parts[1]}”（辖区 {parts[0]}）在文件和系统中都不存在")
        elif not related(self.units[parts].jurisdiction.path, path):
            self._error(loc, f"{what}“{parts[1]}”不属于本辖区或其上级、下级辖区")
        else:
            return True
        return False
