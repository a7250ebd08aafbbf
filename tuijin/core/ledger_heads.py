"""What the sealed ledger keeps OUTSIDE the database (DESIGN.md "Trust"), so that someone who can write
the database but not the server's files cannot forge a seal or make one disappear unnoticed:

- the ledger key (`ledger_key()`): the HMAC key of every seal hash and log line. From
  `settings.LEDGER_KEY` or the environment variable `LEDGER_KEY`; when neither is set, generated once
  into `<var>/ledger_key` (0600), like SECRET_KEY. Production sets LEDGER_KEY from a secret store and
  keeps it off the database server; losing it means old seals can no longer be vouched for.
- the heads log (`append_head()` / `read_heads()`): an append-only text file, one line per seal made
  (time, kind, jurisdiction code, period, sequence, seal hash, HMAC), at `settings.LEDGER_HEADS_LOG`
  (default `<var>/ledger/heads.log`). The line is written when the sealing transaction commits, so a
  rolled-back seal leaves no line. `tuijin ledger verify` compares it with the seal table.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .rules import ledger as rules

logger = logging.getLogger("tuijin.ledger")


def ledger_key() -> bytes:
    value = getattr(settings, "LEDGER_KEY", "") or os.environ.get("LEDGER_KEY", "")
    if value:
        return value.encode("utf-8")
    var_dir = Path(settings.VAR_DIR)
    path = var_dir / "ledger_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip().encode("utf-8")


def heads_log_path() -> Path:
    configured = getattr(settings, "LEDGER_HEADS_LOG", "") or os.environ.get("LEDGER_HEADS_LOG", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "ledger" / "heads.log"


def append_head(head: rules.Head, *, key: bytes | None = None) -> None:
    """Append one seal's line to the heads log (O_APPEND: lines of concurrent writers never mix)."""
    line = rules.head_line(key or ledger_key(), head) + "\n"
    path = heads_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class HeadsLog:
    exists: bool = False
    heads: list[rules.Head] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)  # line numbers (1-based) failing their HMAC


def read_heads(*, key: bytes | None = None) -> HeadsLog:
    path = heads_log_path()
    log = HeadsLog()
    if not path.exists():
        return log
    log.exists = True
    key = key or ledger_key()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            head = rules.parse_head_line(key, line)
            if head is None:
                log.bad_lines.append(number)
            else:
                log.heads.append(head)
    return log
