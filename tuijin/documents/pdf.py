"""Word to PDF with LibreOffice headless (REQ J4: Word and PDF).

Each call runs its own `soffice` with a private profile (`-env:UserInstallation` in a temporary
folder): two conversions at once would otherwise fight over the shared profile's lock and one would
silently do nothing. A fresh profile costs little here (LibreOffice 7.4: about 0.2 s of a 2.5 s start, measured
against a copy of a prepared profile), so none is shared or cached: nothing to lock, prepare or repair.

Fonts: the notices ask for 仿宋/黑体/宋体/楷体; a server without them would get DejaVu Sans from fontconfig
and LibreOffice would then look up a fallback font for every run of Chinese text — slow (a third of the
conversion time of a 500-unit notice) and ugly. Each conversion runs with a fontconfig file of its own
(`FONTCONFIG_FILE`, including the system one) that lists, after each Chinese font name, the installed Noto
CJK fonts: a machine that has the real font still uses it. LibreOffice embeds the fonts it uses (subsets),
so the PDF shows the Chinese text on a machine without those fonts.

    docx_to_pdf(data: bytes, timeout=None) -> bytes   # PdfError (Chinese message) when it cannot
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

DEFAULT_TIMEOUT = 120

SERIF_CJK = ("Noto Serif CJK SC", "Source Han Serif SC", "Noto Sans CJK SC")
SANS_CJK = ("Noto Sans CJK SC", "Source Han Sans SC")
# What each Chinese font name falls back to (after the font itself, when it is installed).
FONT_FALLBACKS: dict[str, tuple[str, ...]] = {
    "仿宋": ("FangSong", "仿宋_GB2312", "FangSong_GB2312", *SERIF_CJK),
    "仿宋_GB2312": ("FangSong_GB2312", "仿宋", "FangSong", *SERIF_CJK),
    "FangSong": ("仿宋", *SERIF_CJK),
    "楷体": ("KaiTi", "楷体_GB2312", *SERIF_CJK),
    "楷体_GB2312": ("KaiTi_GB2312", "楷体", "KaiTi", *SERIF_CJK),
    "KaiTi": ("楷体", *SERIF_CJK),
    "宋体": ("SimSun", *SERIF_CJK),
    "SimSun": ("宋体", *SERIF_CJK),
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", *SERIF_CJK),
    "华文中宋": ("STZhongsong", *SERIF_CJK),
    "黑体": ("SimHei", *SANS_CJK),
    "SimHei": ("黑体", *SANS_CJK),
    "微软雅黑": ("Microsoft YaHei", *SANS_CJK),
    "Microsoft YaHei": ("微软雅黑", *SANS_CJK),
}


class PdfError(RuntimeError):
    """The conversion failed; the message is Chinese and says why."""


def _soffice() -> str:
    binary = getattr(settings, "LIBREOFFICE_BIN", "soffice") or "soffice"
    found = shutil.which(binary)
    if found is None:
        raise PdfError(f"服务器上没有安装 LibreOffice（找不到 {binary}），无法生成 PDF；Word 文件不受影响。")
    return found


def docx_to_pdf(data: bytes, *, timeout: float | None = None) -> bytes:
    if not data.startswith(b"PK"):
        raise PdfError("要转换的文件不是 Word（.docx）文件，无法生成 PDF。")
    binary = _soffice()
    limit = timeout or getattr(settings, "LIBREOFFICE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT)
    with tempfile.TemporaryDirectory(prefix="tuijin-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(data)
        command = [
            binary,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(folder / "out"),
            str(source),
        ]
        returncode, output = _run(command, limit, binary, _environment(folder))
        result = folder / "out" / "document.pdf"
        if returncode != 0 or not result.exists() or result.stat().st_size == 0:
            detail = output.decode("utf-8", "replace").strip()[:200]
            raise PdfError(
                f"LibreOffice 未能把 Word 文件转换为 PDF（退出码 {returncode}）：{detail or '没有输出'}。"
            )
        return result.read_bytes()


# --- fonts ---------------------------------------------------------------------------------------------


def fontconfig_text(system: str | None = None) -> str:
    """A fontconfig file: the system's, plus the Chinese font names' fallbacks (accepted after the font)."""
    system = system or os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    aliases = "".join(
        f'  <alias binding="same"><family>{escape(name)}</family><accept>'
        + "".join(f"<family>{escape(f)}</family>" for f in fallbacks)
        + "</accept></alias>\n"
        for name, fallbacks in FONT_FALLBACKS.items()
    )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{escape(system)}</include>\n{aliases}</fontconfig>\n'
    )


def _environment(folder: Path) -> dict:
    config = folder / "fonts.conf"
    config.write_text(fontconfig_text(), encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


# --- running soffice -----------------------------------------------------------------------------------


def _run(command: list[str], limit: float, binary: str, environment: dict) -> tuple[int, bytes]:
    """Run soffice in its own process group, so a timeout kills it and the children it starts
    (soffice.bin), which would otherwise keep the pipes open and the caller waiting."""
    try:
        process = subprocess.Popen(  # noqa: S603
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=environment,
        )
    except OSError as exc:
        raise PdfError(f"无法启动 LibreOffice（{binary}）：{exc.strerror or exc}。") from exc
    try:
        output, _ = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired as exc:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise PdfError(f"LibreOffice 转换 PDF 超时（超过 {limit:g} 秒），请稍后重试。") from exc
    return process.returncode, output or b""
