"""Rule-set writes and reads (issue 5): seeding from the preset files, versions, edits, picks."""

import shutil

import pytest
from django.core.exceptions import ValidationError

from tuijin.core import ruleset_selectors as selectors
from tuijin.core import ruleset_services as services
from tuijin.core.access import AccessDenied
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.core.rules import ruleset_schema as schema
from tuijin.core.rules import ruleset_sections as sections
from tuijin.org.models import JurisdictionLevel, UnitKind
from tuijin.presets import preset_files

pytestmark = pytest.mark.django_db


def _copy_presets(tmp_path):
    for path in preset_files():
        shutil.copy(path, tmp_path / path.name)
    return sorted(tmp_path.glob("*.toml"))


def _snapshot():
    return sorted(RuleSetVersion.objects.values_list("rule_set__slug", "number", "sha256"))


def test_schema_mirrors_the_org_choices():
    assert dict(JurisdictionLevel.choices) == sections.JURISDICTION_LEVELS
    assert dict(UnitKind.choices) == sections.UNIT_KINDS


def test_seed_creates_version_one_of_each_preset():
    outcomes = services.ruleset_seed()
    assert [(o.slug, o.number, o.note) for o in outcomes] == [
        (p.stem, 1, "预置文件导入") for p in preset_files()
    ]
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    assert wuhan.name == "武汉临空港经开区（东西湖区）重大产业项目推进工作机制"
    assert "武临开办〔2019〕2号" in wuhan.source
    version = wuhan.current
    assert version.source_file == "presets/wuhan-2019.toml"
    assert version.data["reporting"]["monthly_report"]["due_day"] == 25
    assert version.data["meta"]["published"] == "2019-03-11"


def test_seed_is_idempotent():
    services.ruleset_seed()
    before = _snapshot()
    outcomes = services.ruleset_seed()
    assert all(o.number is None for o in outcomes)
    assert _snapshot() == before


def test_changed_file_makes_a_new_version_and_keeps_the_old(tmp_path):
    paths = _copy_presets(tmp_path)
    services.ruleset_seed(paths=paths)
    wuhan = tmp_path / "wuhan-2019.toml"
    wuhan.write_text(
        wuhan.read_text(encoding="utf-8").replace("due_day = 25", "due_day = 20"), encoding="utf-8"
    )
    outcomes = {o.slug: o for o in services.ruleset_seed(paths=paths)}
    assert (outcomes["wuhan-2019"].number, outcomes["wuhan-2019"].note) == (2, "预置文件更新")
    assert outcomes["donghu-2024"].number is None
    versions = list(RuleSet.objects.get(slug="wuhan-2019").versions.order_by("number"))
    assert [v.data["reporting"]["monthly_report"]["due_day"] for v in versions] == [25, 20]
    assert services.ruleset_seed(paths=paths)[-1].number is None


def test_one_bad_preset_stops_the_whole_seed(tmp_path):
    paths = _copy_presets(tmp_path)
    bad = tmp_path / "kaifeng-2019.toml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace('frequency = "bimonthly"', 'frequency = "双月"'), "utf-8"
    )
    line = bad.read_text(encoding="utf-8").splitlines().index('frequency = "双月"') + 1
    with pytest.raises(ValidationError) as exc:
        services.ruleset_seed(paths=paths)
    assert exc.value.messages == [
        'kaifeng-2019.toml: 键 cadences.bimonthly_review.frequency（频次）应为以下之一："daily"（每日）、"weekly"（每周）、'
        '"ten_days"（每旬）、"biweekly"（每两周）、"monthly"（每月）、"bimonthly"（每两月）、"quarterly"（每季度）、'
        '"half_year"（每半年）、"yearly"（每年）、"as_needed"（适时（按需）），实际为 "双月"'
        f"（第 {line} 行）"
    ]
    assert RuleSet.objects.count() == 0


def test_malformed_toml_names_file_and_line_and_writes_nothing(tmp_path):
    paths = _copy_presets(tmp_path)
    bad = tmp_path / "donghu-2024.toml"
    bad.write_text('[meta]\nslug = "donghu-2024"\nname = 东湖\n', encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        services.ruleset_seed(paths=paths)
    assert exc.value.messages[0].startswith("donghu-2024.toml: 第 3 行第 8 列：TOML 语法错误")
    assert RuleSet.objects.count() == 0 and RuleSetVersion.objects.count() == 0


def test_load_file_rejects_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('[meta]\nname = "武汉"\n'.encode("gbk"))
    with pytest.raises(ValidationError) as exc:
        services.ruleset_load_file(path)
    assert exc.value.messages[0].startswith("gbk.toml: 文件不是 UTF-8 编码")


def test_edit_makes_a_new_version_and_leaves_the_old_untouched(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    old = wuhan.current
    old_data, old_sha = old.data, old.sha256
    text = selectors.ruleset_version_text(old).replace("due_day = 25", "due_day = 20")
    version = services.ruleset_edit_from_toml(
        actor=world.admin, rule_set=wuhan, text=text, note="月报提前到20日"
    )
    assert (version.number, version.note, version.created_by, version.source_file) == (
        2,
        "月报提前到20日",
        world.admin,
        "",
    )
    assert version.data["reporting"]["monthly_report"]["due_day"] == 20
    old.refresh_from_db()
    assert (old.data, old.sha256) == (old_data, old_sha)
    assert selectors.ruleset_current_version(wuhan) == version
    changes = selectors.ruleset_version_diff(old, version)
    assert [(c.path, c.old, c.new) for c in changes] == [("reporting.monthly_report.due_day", "25", "20")]


def test_edited_version_is_not_replaced_by_an_unchanged_file(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    data = {**wuhan.current.data, "meta": {**wuhan.current.data["meta"], "name": "改名"}}
    services.ruleset_new_version(actor=world.admin, rule_set=wuhan, data=data, note="改名")
    services.ruleset_seed()
    assert wuhan.current.number == 2 and wuhan.current.data["meta"]["name"] == "改名"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("due_weekday = 5", 'due_weekday = "周五"', 1), "截止星期）应为 1–7 的整数"),
        (lambda t: t.replace('slug = "wuhan-2019"', 'slug = "wuhan"'), '键 meta.slug 应为 "wuhan-2019"'),
        (lambda t: t + "\n[beacons]\nyellow = 2\n", "有未知的节 [beacons]"),
        (lambda t: t.replace("[calendar]", "[calendar"), "TOML 语法错误"),
        (lambda t: t, "内容与当前版本 v1 相同"),
    ],
    ids=["wrong-type", "slug-changed", "unknown-section", "syntax", "unchanged"],
)
def test_a_bad_edit_raises_chinese_errors_and_writes_nothing(world, change, message):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    text = change(selectors.ruleset_version_text(wuhan.current))
    with pytest.raises(ValidationError) as exc:
        services.ruleset_edit_from_toml(actor=world.admin, rule_set=wuhan, text=text, note="试改")
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert wuhan.versions.count() == 1


def test_a_new_version_needs_a_note(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    data = {**wuhan.current.data, "meta": {**wuhan.current.data["meta"], "name": "改名"}}
    with pytest.raises(ValidationError) as exc:
        services.ruleset_new_version(actor=world.admin, rule_set=wuhan, data=data, note="  ")
    assert exc.value.messages == ["请填写修改说明（说明本次修改的内容和依据）。"]
    assert wuhan.versions.count() == 1


def test_version_numbers_follow_the_highest(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    data = wuhan.current.data
    for number, due in [(2, 20), (3, 21)]:
        data = {
            **data,
            "reporting": {
                **data["reporting"],
                "monthly_report": {**data["reporting"]["monthly_report"], "due_day": due},
            },
        }
        assert (
            services.ruleset_new_version(
                actor=world.admin, rule_set=wuhan, data=data, note=f"第{number}次"
            ).number
            == number
        )


@pytest.mark.parametrize("persona", ["leader", "unit_head", "reporter", "supervisor", "discipline"])
def test_only_office_admins_edit_rule_sets(world, persona):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    text = selectors.ruleset_version_text(wuhan.current).replace("due_day = 25", "due_day = 20")
    with pytest.raises(AccessDenied):
        services.ruleset_edit_from_toml(actor=getattr(world, persona), rule_set=wuhan, text=text, note="试改")
    assert wuhan.versions.count() == 1


def test_a_rule_set_picked_by_another_district_cannot_be_edited_from_here(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    services.jurisdiction_pick_ruleset(
        actor=world.foreign_admin, jurisdiction=world.other_district, rule_set=wuhan
    )
    text = selectors.ruleset_version_text(wuhan.current).replace("due_day = 25", "due_day = 20")
    with pytest.raises(AccessDenied) as refused:
        services.ruleset_edit_from_toml(actor=world.admin, rule_set=wuhan, text=text, note="改别区的规则")
    assert "须未被本辖区以外选用" in refused.value.message
    assert wuhan.versions.count() == 1
    # the district that uses it may edit it
    services.ruleset_edit_from_toml(actor=world.foreign_admin, rule_set=wuhan, text=text, note="本区调整")
    assert wuhan.versions.count() == 2


def test_a_rule_set_the_city_picked_cannot_be_edited_by_a_district(world):
    services.ruleset_seed()
    nanchang = RuleSet.objects.get(slug="nanchang-2020")
    world.city.rule_set = nanchang
    world.city.save()
    text = selectors.ruleset_version_text(nanchang.current)
    with pytest.raises(AccessDenied):
        services.ruleset_edit_from_toml(
            actor=world.admin, rule_set=nanchang, text=text + "\n", note="区里改市里的"
        )


def test_pick_per_jurisdiction_and_inherit_down_the_tree(world):
    services.ruleset_seed()
    nanchang = RuleSet.objects.get(slug="nanchang-2020")
    donghu = RuleSet.objects.get(slug="donghu-2024")
    assert selectors.ruleset_for_jurisdiction(world.street) is None
    world.city.rule_set = nanchang  # the city's admin is not a persona; set the city's choice directly
    world.city.save()
    assert selectors.ruleset_choice_for(world.street) == (nanchang, world.city)
    services.jurisdiction_pick_ruleset(actor=world.admin, jurisdiction=world.district, rule_set=donghu)
    assert selectors.ruleset_for_jurisdiction(world.district) == donghu
    assert selectors.ruleset_choice_for(world.street) == (donghu, world.district)
    assert selectors.ruleset_for_jurisdiction(world.other_district) == nanchang
    assert selectors.ruleset_version_for_jurisdiction(world.street) == donghu.current
    services.jurisdiction_pick_ruleset(actor=world.admin, jurisdiction=world.district, rule_set=None)
    assert selectors.ruleset_for_jurisdiction(world.street) == nanchang


def test_picking_is_recorded_in_the_jurisdiction_history(world):
    services.ruleset_seed()
    donghu = RuleSet.objects.get(slug="donghu-2024")
    services.jurisdiction_pick_ruleset(actor=world.admin, jurisdiction=world.district, rule_set=donghu)
    record = world.district.history.first()
    assert (record.rule_set_id, record.history_user, record.history_change_reason) == (
        donghu.pk,
        world.admin,
        "采用规则集 donghu-2024",
    )


def test_admin_of_another_district_cannot_pick_here(world):
    services.ruleset_seed()
    with pytest.raises(AccessDenied):
        services.jurisdiction_pick_ruleset(
            actor=world.foreign_admin, jurisdiction=world.district, rule_set=RuleSet.objects.first()
        )
    world.district.refresh_from_db()
    assert world.district.rule_set is None


def test_admin_picks_for_a_street_below(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    services.jurisdiction_pick_ruleset(actor=world.admin, jurisdiction=world.street, rule_set=wuhan)
    assert selectors.ruleset_for_jurisdiction(world.street) == wuhan


def test_a_rule_set_without_versions_cannot_be_picked(world):
    empty = RuleSet.objects.create(slug="empty", name="空规则集")
    with pytest.raises(ValidationError) as exc:
        services.jurisdiction_pick_ruleset(actor=world.admin, jurisdiction=world.district, rule_set=empty)
    assert exc.value.messages == ["规则集“空规则集”还没有任何版本，不能采用。"]


def test_rulesets_for_every_internal_role_reads_them_whole(world):
    services.ruleset_seed()
    for user in world.personas().values():
        assert rulesets_slugs(user) == [p.stem for p in preset_files()]


def rulesets_slugs(user):
    return list(selectors.rulesets_for(user).order_by("slug").values_list("slug", flat=True))


def test_version_text_is_the_preset_file_until_edited(world):
    services.ruleset_seed()
    wuhan = RuleSet.objects.get(slug="wuhan-2019")
    path = next(p for p in preset_files() if p.stem == "wuhan-2019")
    assert selectors.ruleset_version_text(wuhan.current) == path.read_text(encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace("due_day = 25", "due_day = 20")
    version = services.ruleset_edit_from_toml(actor=world.admin, rule_set=wuhan, text=text, note="改")
    assert schema.parse(selectors.ruleset_version_text(version), file="x").data == version.data
