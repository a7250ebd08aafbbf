"""Section `reports` of the exchange format (since 1.3, issue 5 part 10; docs/exchange.md): the weekly
(WH19 附件2) and monthly reports of the subtree's projects with every version (proxy fills marked), the
metadata of site photos (the images themselves are not exchanged) and site-camera links.

A report is known by (project key, kind, period start). Versions are append-only and an accepted report
is final: an import adds what the system lacks and refuses to rewrite history. The investment a monthly
report gives travels in section `library` as the project's investment entries with source "report".
"""

from tuijin.core.exchange.registry import register_section

from .export import export_reports
from .load import import_reports
from .schema import ReportsSection

register_section(
    "reports",
    ReportsSection,
    export_reports,
    import_reports,
    since_minor=3,
    label="报表：周报、月报（含全部版本、代填标记）、现场照片的说明信息（不含照片文件）、现场监控链接（1.3 起）",
    kinds={
        "reports": "周报月报",
        "report_versions": "报告版本",
        "site_photos": "现场照片（说明信息）",
        "camera_links": "现场监控链接",
    },
)
