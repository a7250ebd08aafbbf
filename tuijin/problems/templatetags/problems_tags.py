"""The project page's problems block (`{% project_problems_block project %}`): one include line on the
project page, no view change."""

from django import template
from django.utils import timezone

from tuijin.core.access import can

from .. import selectors

register = template.Library()


@register.inclusion_tag("problems/_project_problems_block.html", takes_context=True)
def project_problems_block(context, project):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "problems.view"):
        return {"show": False}
    return {
        "show": True,
        "p": project,
        "rows": selectors.project_problems(user, project, timezone.localdate()),
        "can_file": can(user, "problems.file")
        and selectors.projects_to_file(user).filter(pk=project.pk).exists(),
    }
