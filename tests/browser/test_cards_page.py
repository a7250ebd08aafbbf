"""The card ladder in a real browser (issue 6 part 5, WH19 四(二), 五): the office supervises two of 区发改委's
problems (two 督办单) on the problem pages; the monthly card review issues the two proposed yellow cards;
the supervision office opens the proposed red card and issues it; the unit head sees two yellow cards and a
red card, each with its evidence (the 督办单 and the problem it came from). Screenshots:
var/screenshots/cards-*.png."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

TITLES = ("用地红线未确定", "施工许可证办理滞后")


def _supervise_on_problem_page(page, problem_id: int, content: str) -> None:
    page.goto(f"/problems/{problem_id}/")
    form = page.locator("#step-supervise")
    form.locator("textarea[name=content]").fill(content)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".problem-event[data-kind=supervised]")


def test_two_supervisions_make_two_yellows_and_a_red(page_as, world_live):
    from tests.problems.factories import assigned

    problems = [assigned(world_live, title=title) for title in TITLES]

    office = page_as("office_admin")
    for problem, title in zip(problems, TITLES, strict=True):
        _supervise_on_problem_page(office, problem.pk, f"{title}，请于5个工作日内办结并反馈")

    # the monthly review: both proposed yellow cards with their evidence, issued together
    office.goto("/supervision/cards/review/")
    rows = office.locator(".review-row")
    assert rows.count() == 2
    text = office.locator("#review-form").inner_text()
    assert "督办单〔" in text and "来源：问题" in text and TITLES[0] in text
    screenshot(office, "cards-review")
    office.click("#review-submit")
    office.wait_for_selector("#review-held")
    assert office.locator(".review-card[data-status=issued]").count() == 2

    # the supervision office issues the red card the ladder proposed
    supervisor = page_as("supervisor")
    supervisor.goto("/supervision/cards/")
    row = supervisor.locator(f".card-unit-row[data-unit='{world_live.dept.pk}']")
    assert "2" in row.locator(".unit-yellow").inner_text()
    row.locator("a").first.click()
    supervisor.locator(".unit-card[data-color=red] a").first.click()
    supervisor.wait_for_selector("#card-page[data-status=proposed]")
    assert "“黄牌”预警2次给予“红牌”警告" in supervisor.locator("#card-reason").inner_text()
    supervisor.click("#issue-red")
    supervisor.wait_for_selector("#card-page[data-status=issued]")
    screenshot(supervisor, "cards-red-issued")

    # the unit head sees 2 yellow cards and 1 red card, with the evidence of each
    head = page_as("unit_head")
    head.goto(f"/supervision/cards/unit/{world_live.dept.pk}/")
    assert head.locator("#unit-yellow").inner_text() == "2"
    assert head.locator("#unit-red").inner_text() == "1"
    assert head.locator(".unit-card[data-color=yellow][data-status=issued]").count() == 2
    slips = head.locator(".card-slip").all_inner_texts()
    assert len(slips) == 2 and all("督办单〔" in s for s in slips)
    screenshot(head, "cards-unit-head")
    head.locator(".unit-card[data-color=red] a").first.click()
    head.wait_for_selector("#card-evidence")
    chain = head.locator(".evidence-item")
    assert chain.count() == 2
    evidence = head.locator("#card-evidence").inner_text()
    for title in TITLES:
        assert title in evidence
    assert "来源：问题" in evidence
    assert head.locator("#step-appeal").count() == 1  # the unit head may appeal an issued card
    screenshot(head, "cards-red-evidence")

    # on a phone the unit's page still reads
    phone = page_as("unit_head", mobile=True)
    phone.goto(f"/supervision/cards/unit/{world_live.dept.pk}/")
    assert phone.locator(".unit-card").count() == 3
    screenshot(phone, "cards-unit-phone")
