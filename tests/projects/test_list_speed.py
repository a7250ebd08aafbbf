"""What the list's speed-ups must not change (issue 3, PostgreSQL targets): scoping by the subtree's ids
returns the rows the join on `path` returned, and the 挂点领导 choices kept between requests follow every
write."""

from decimal import Decimal

import pytest
from django.utils import timezone

from tuijin.core import access
from tuijin.org.models import Jurisdiction, Person, User
from tuijin.projects import list_selectors
from tuijin.projects.models import Project


def path_scope(user, queryset):
    """scope() as it was: a join on the jurisdiction's materialised path."""
    spec = access._SCOPES[queryset.model]
    role = access.role_of(user)
    if user.is_superuser and user.is_active:
        return queryset
    if role not in spec.readers:
        return queryset.none()
    if spec.everyone_reads:
        return queryset
    root = access.subtree_path(user)
    if root is None:
        return queryset.none()
    lookup = f"{spec.jurisdiction_field}__path" if spec.jurisdiction_field else "path"
    in_tree = queryset.filter(**{f"{lookup}__startswith": root})
    if role in access.SUBTREE_READERS:
        return in_tree
    if role in access.UNIT_ROLES and spec.unit_filter is not None and user.unit_id is not None:
        return in_tree.filter(spec.unit_filter(user)).distinct()
    return queryset.none()


def project(world, name, **fields):
    defaults = {
        "jurisdiction": world.district,
        "category": "industry",
        "total_investment": Decimal("100"),
        "responsible_unit": world.dept,
    }
    return Project.objects.create(name=name, **{**defaults, **fields})


@pytest.mark.django_db
def test_scope_reads_the_same_rows_as_the_path_join(world):
    project(world, "东湖区的项目", lead_leader=world.leader_person)
    other = Jurisdiction.objects.exclude(pk=world.district.pk).exclude(path__startswith=world.district.path)
    for place in other[:2]:
        project(world, f"{place.name}的项目", jurisdiction=place)
    users = list(User.objects.select_related("jurisdiction", "unit"))
    assert users
    for model in access._SCOPES:
        for user in users:
            got = set(access.scope(user, model._default_manager.all()).values_list("pk", flat=True))
            expected = set(path_scope(user, model._default_manager.all()).values_list("pk", flat=True))
            assert got == expected, (model.__name__, user.username)


def leader_names(user) -> list[str]:
    query = list_selectors.parse_list_query({}, today=timezone.localdate())
    html = list_selectors.filter_options(user, query)["leaders"]
    return [part.split(">", 1)[1] for part in html.split("</option>") if "<option" in part]


@pytest.mark.django_db
def test_leader_choices_follow_every_write(world):
    admin = User.objects.select_related("jurisdiction", "unit").get(pk=world.admin.pk)
    first = project(world, "一号项目", lead_leader=world.leader_person)
    assert leader_names(admin) == [world.leader_person.name]
    assert leader_names(admin) == [world.leader_person.name]  # kept: the same answer
    second = Person.objects.create(jurisdiction=world.district, name="郑立", is_leader=True)
    project(world, "二号项目", lead_leader=second)
    assert sorted(leader_names(admin)) == sorted([world.leader_person.name, "郑立"])
    second.name = "郑立新"
    second.save()
    assert sorted(leader_names(admin)) == sorted([world.leader_person.name, "郑立新"])
    first.lead_leader = None
    first.save()
    assert leader_names(admin) == ["郑立新"]
