"""The fixed parts of WH19 附件2 重点项目进展情况一览表 (the weekly table), shared by the export and the
template builder (no Django here, so the builder runs without settings)."""

from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "weekly_table.docx"
DOCUMENT_KEY = "wh19_weekly_table"  # docs/glossary.md: documents template `wh19_weekly_table`
BLANK_TITLE = "__街道（产业建设管理办公室）重点项目进展情况一览表"
TITLE = "{place}重点项目进展情况一览表"
# 附件2's header, in its order and words
HEADERS = ("序号", "部门", "负责人", "项目名称", "基本情况", "最新工作进展", "未来两周工作计划", "责任人")
# what 附件2's first row says the 基本情况 cell holds
BASIC_ITEMS = ("项目基本情况", "项目推进需求")
