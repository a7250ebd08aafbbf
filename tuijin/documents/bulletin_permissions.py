"""Who may read and act on briefings and notices (简报通报; DESIGN.md "Who may do what", REQ J1).

Subtree readers (office, leaders, supervisors) read every bulletin of their subtree, drafts included; unit
staff read the published ones of their jurisdiction (they are distributed to the units). The office drafts,
refreshes, submits and publishes; a leader of the bulletin's own jurisdiction signs it off (签发) or
returns it. The discipline viewer reads none.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    SUBTREE_READERS,
    UNIT_ROLES,
    ScopeSpec,
    in_subtree,
    is_leader,
    is_office_admin,
    is_subtree_reader,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
)

from .models import Bulletin, BulletinStatus


def _published(user: Any) -> Q:
    """Unit staff: the published bulletins of their own jurisdiction (not of the districts below it), as
    the `bulletins.view` action says, so the list shows nothing the detail page refuses."""
    return Q(status=BulletinStatus.PUBLISHED, jurisdiction_id=getattr(user, "jurisdiction_id", None))


register_scope(
    Bulletin,
    ScopeSpec(
        jurisdiction_field="jurisdiction", unit_filter=_published, readers=SUBTREE_READERS | UNIT_ROLES
    ),
)


@rules.predicate
def of_own_jurisdiction(user: Any, bulletin: Any) -> bool:
    """The bulletin is of the user's own jurisdiction (a leader signs his own jurisdiction's only)."""
    return bulletin is not None and bulletin.jurisdiction_id == getattr(user, "jurisdiction_id", None)


@rules.predicate
def is_published(user: Any, bulletin: Any) -> bool:
    return bulletin is not None and bulletin.status == BulletinStatus.PUBLISHED


register_action(
    "bulletins.view",
    "查看简报通报",
    (is_subtree_reader & (no_object | in_subtree))
    | (is_unit_staff & (no_object | (of_own_jurisdiction & is_published))),
)
register_action("bulletins.draft", "起草简报通报", is_office_admin & (no_object | in_subtree))
register_action("bulletins.publish", "发布简报通报", is_office_admin & (no_object | in_subtree))
register_action("bulletins.sign", "签发简报通报", is_leader & (no_object | of_own_jurisdiction))
