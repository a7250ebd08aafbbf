"""Who may export and import exchange files (DESIGN.md "Who may do what": office admins keep their
jurisdiction subtree's data and accounts). The CLI runs as the system, with no actor."""

from tuijin.core.access import in_subtree, is_office_admin, no_object, register_action

register_action("exchange.export", "导出数据交换文件", is_office_admin & in_subtree)
# Which jurisdictions a file may touch is checked record by record by the import (ImportContext.may_write).
register_action("exchange.import", "导入数据交换文件", is_office_admin & no_object)
