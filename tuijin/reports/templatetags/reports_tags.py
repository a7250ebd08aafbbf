"""The project page's reports block (`{% project_reports_block project %}`), so the project page needs one
include line and no view change."""

from django import template
from django.utils import timezone

from tuijin.core.access import can

from .. import rules, selectors

register = template.Library()


@register.inclusion_tag("reports/_project_reports_block.html", takes_context=True)
def project_reports_block(context, project):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "reports.view"):
        return {"show": False}
    data = selectors.project_reports(user, project)
    return {
        "show": True,
        "project": project,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "reports": [
            {"report": r, "label": rules.period_label(r.kind, r.period_start)} for r in data["reports"]
        ],
        "photos": data["photos"],
        "cameras": data["cameras"],
        "can_upload": can(user, "reports.upload_photo", project),
        "can_cameras": can(user, "reports.manage_cameras", project),
        "today": timezone.localdate(),
    }


@register.inclusion_tag("reports/_node_photos.html", takes_context=True)
def node_photos_block(context, node_id, project):
    """A chain node's site photos with an upload form (REQ G4: photos on a report or a node), so the chain's
    node page needs one include line and no view change."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "reports.view"):
        return {"show": False}
    return {
        "show": True,
        "node_id": node_id,
        "project": project,
        "csrf_token": context.get("csrf_token"),
        "photos": selectors.node_photos(user, node_id),
        "can_upload": can(user, "reports.upload_photo", project),
        "today": timezone.localdate(),
        "back": request.get_full_path(),
    }
