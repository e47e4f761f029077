"""The public calculator page, /damages: Chinese by default, English complete, the result with
every step and its source, errors next to their fields, printable."""

import re

from fastapi.testclient import TestClient

HTML = {"accept": "text/html"}
WILFUL = "&intent=continued_after_notice&serious_circumstances=business_of_infringement"


def error_of(page: str, field: str) -> str:
    match = re.search(rf'<p id="e-{re.escape(field)}" class="error" role="alert">([^<]*)</p>', page)
    assert match, f"no error shown next to {field}"
    return match.group(1)


def test_the_form_is_public_and_in_chinese_by_default(client: TestClient) -> None:
    page = client.get("/damages", headers=HTML)
    assert page.status_code == 200
    assert "<h1>赔偿计算器</h1>" in page.text
    assert "经权利人通知、警告后仍继续实施侵权行为" in page.text  # SPC 2021 art. 3 checklist
    assert "以侵害知识产权为业" in page.text  # art. 4 checklist
    assert 'value="beijing_high_court_2020"' in page.text
    assert "Result" not in page.text


def test_the_result_lists_every_step_with_its_rule_and_certainty_in_chinese(
    client: TestClient,
) -> None:
    page = client.get(
        "/damages?law=trademark&decided_on=2025-06-01&actual_loss=100000&licence_fee=5000"
        "&punitive_multiplier=2&reasonable_expenses=8000" + WILFUL,
        headers=HTML,
    )
    assert page.status_code == 200
    text = page.text
    assert "第1步：按照权利人的实际损失确定赔偿数额：¥100,000.00" in text
    assert "未采用：商标许可使用费的倍数仅在前序方法难以确定时适用" in text
    assert "¥308,000.00" in text  # 100,000 + 200,000 punitive + 8,000 expenses
    assert 'href="/rules/damages.trademark.methods?on=2025-06-01"' in text
    assert "商标法 (Trademark Law, 2019 amendment) art. 63" in text
    assert "已核实" in text
    assert "基数×（1+倍数）" in text  # the reading applied
    assert 'onclick="window.print()"' in text


def test_the_page_is_complete_in_english(client: TestClient) -> None:
    client.get("/lang/en")
    page = client.get(
        "/damages?law=copyright&decided_on=2025-06-01&typified.table=beijing_high_court_2020"
        "&typified.case_type=photograph&typified.units=10",
        headers=HTML,
    )
    assert page.status_code == 200
    text = page.text
    assert "<h1>Damages calculator</h1>" in text
    assert "Statutory damages: the court decides, from ¥500.00 to ¥5,000,000.00" in text
    assert "¥20,000.00 to ¥50,000.00" in text  # 10 photographs at ¥2,000 to ¥5,000
    assert "illustrative placeholders" in text
    assert "Uncertain" in text
    assert "Steps and their legal sources" in text


def test_errors_show_next_to_their_fields_in_chinese(client: TestClient) -> None:
    page = client.get(
        "/damages?law=patent&decided_on=2025-06-01&actual_loss=-5&infringer_profit=abc"
        "&punitive_multiplier=6&intent=guessed&licence_fee=abc&licence_multiple=2",
        headers=HTML,
    )
    assert page.status_code == 422
    assert error_of(page.text, "actual_loss") == "金额不能为负数"
    assert error_of(page.text, "infringer_profit") == "请填写数字，例如 12000.50"
    assert error_of(page.text, "punitive_multiplier") == "惩罚性赔偿倍数须在1至5之间"
    assert error_of(page.text, "licence_fee") == "请填写数字，例如 12000.50"
    assert "guessed不是该清单中的情形" in page.text
    assert 'value="-5"' in page.text  # what was typed stays in the form
    assert "计算步骤及法律依据" not in page.text


def test_a_date_before_the_law_version_is_shown_at_the_date_field(client: TestClient) -> None:
    page = client.get("/damages?law=patent&decided_on=2021-05-31", headers=HTML)
    assert page.status_code == 422
    assert error_of(page.text, "decided_on") == (
        "2021-05-31没有施行中的该法赔偿规则版本；最早的版本自2021-06-01起施行"
    )


def test_the_calculator_is_linked_from_every_page(client: TestClient) -> None:
    assert '<a href="/damages">赔偿计算器</a>' in client.get("/rules", headers=HTML).text
