"""Writes of the project list page: a user's saved filters (常用筛选)."""

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction

from tuijin.core.access import AccessDenied

from .models import SavedFilter

NAME_MAX = SavedFilter._meta.get_field("name").max_length
QUERY_MAX = SavedFilter._meta.get_field("query").max_length
# The list's parameters a saved filter keeps (the page number is not a filter)
KEPT = ("q", "category", "tag", "year", "plan_type", "stage", "library", "unit", "leader", "street")
KEPT += ("min", "max", "sort", "per")


def _clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k in KEPT]
    return urlencode(pairs)


@transaction.atomic
def saved_filter_save(*, user, name: str, query: str) -> SavedFilter:
    """Save the list's current query under a name; saving under an existing name replaces its query."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写筛选名称。"})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"筛选名称最多 {NAME_MAX} 个字（现为 {len(name)} 个）。"})
    cleaned = _clean_query(query)
    if len(cleaned) > QUERY_MAX:
        raise ValidationError({"query": f"筛选条件太长（最多 {QUERY_MAX} 个字符），请减少搜索文字。"})
    saved, _created = SavedFilter.objects.update_or_create(user=user, name=name, defaults={"query": cleaned})
    return saved


@transaction.atomic
def saved_filter_delete(*, user, saved_filter: SavedFilter) -> None:
    """Delete one of the user's own saved filters; anybody else's is refused (403, logged)."""
    if saved_filter.user_id != user.pk:
        raise AccessDenied("无权删除他人保存的常用筛选：只能删除自己保存的。", action="projects.view")
    saved_filter.delete()
