"""`/w/<id>/export/plan.{pdf,md,csv}` and the list of agreed versions (protocol §3).

Everyone in the workshop takes an agreed plan home; the draft, the board before the first
agreement, stays with the facilitators and the leader.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache

from core.errors import DomainError
from core.http import methods
from core.validation import integer
from goals.access import api_members_only, forbidden_page, members_only
from goals.models import FACILITATING, Member
from planning.exports.as_csv import render_csv
from planning.exports.as_markdown import render_markdown
from planning.exports.as_pdf import render_pdf
from planning.exports.document import plan_document
from planning.models import PlanVersion
from planning.plan import current_plan, plan_progress

FORMATS = {
    "pdf": ("application/pdf", render_pdf),
    "md": ("text/markdown; charset=utf-8", render_markdown),
    "csv": ("text/csv; charset=utf-8", render_csv),
}
# Plan version numbers are a PositiveIntegerField: PostgreSQL's integer holds no larger one.
VERSION_MAX = 2**31 - 1


def plan_content(member: Member, version: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Agreed version N, else the latest agreed one, else the board now as a draft, as `member`
    sees it (others' cards face down stay out of it); and the content of the version agreed
    before it (None for version 1 and a first draft), for "Changed since".

    The previous version comes in the same query as the one asked for: two rows instead of one.
    """
    versions = PlanVersion.objects.filter(workshop_id=member.workshop_id).order_by("-number")
    if version is not None:
        try:
            number = integer(version, "version", minimum=1, maximum=VERSION_MAX, from_text=True)
        except DomainError:
            raise Http404("No such plan version.") from None
        found = list(versions.filter(number__in=[number, number - 1]))
        if not found or found[0].number != number:
            raise Http404("No such plan version.")
    else:
        found = list(versions[:2])
    if found:
        return found[0].content, found[1].content if len(found) > 1 else None
    with transaction.atomic():
        return current_plan(member.workshop, viewer=member), None


@methods("GET", "HEAD")
@members_only()
def export_plan(request: HttpRequest, workshop_id: str, extension: str) -> HttpResponse:
    if extension not in FORMATS:
        raise Http404("No such format.")
    member: Member = request.member  # type: ignore[attr-defined]
    if member.role not in FACILITATING and not PlanVersion.objects.filter(workshop_id=workshop_id).exists():
        return forbidden_page(request, "The plan is not agreed yet: you can take it home once it is.")
    content, previous = plan_content(member, request.GET.get("version"))
    # An agreed version carries its items' progress and the check-ins as they are now (protocol §7).
    live = plan_progress(workshop_id, content) if content["version"] is not None else None
    plan = plan_document(content, previous, live)
    content_type, render = FORMATS[extension]
    response = HttpResponse(render(plan), content_type=content_type)
    label = f"v{plan.version}" if plan.version is not None else "draft"
    filename = f"{slugify(plan.title)[:60] or 'plan'}-plan-{label}.{extension}"
    disposition = "inline" if extension == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@methods("GET")
@never_cache
@api_members_only
def plan_versions(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The agreed versions, newest first, with their export links."""
    versions = PlanVersion.objects.filter(workshop_id=workshop_id).order_by("-number")
    listed = []
    for version in versions.only("number", "agreed_at", "content"):
        links = {
            extension: f"{reverse('export_plan', args=[workshop_id, extension])}?version={version.number}"
            for extension in FORMATS
        }
        listed.append(
            {
                "number": version.number,
                "agreed_at": version.agreed_at.isoformat(),
                "agreed_by": version.content.get("agreed_by"),
                "exports": links,
            }
        )
    return JsonResponse(listed, safe=False)
