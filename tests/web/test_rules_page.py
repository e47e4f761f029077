"""The public rules pages, the export and the JSON API."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ipprotect.app import create_app
from ipprotect.core.rules import RuleFileError
from ipprotect.core.tabular import read_table
from ipprotect.settings import Settings

HTML = {"accept": "text/html"}


def test_the_rules_page_is_public_and_in_chinese_by_default(client: TestClient) -> None:
    page = client.get("/rules?on=2025-06-01&area=complaints", headers=HTML)
    assert page.status_code == 200
    assert "2025-06-01 施行的法定规则" in page.text
    assert "作出受理或者不予受理投诉的决定" in page.text
    assert "7 个工作日" in page.text
    assert "已核实" in page.text
    assert "penalties.decision_period" not in page.text


def test_the_rules_page_switches_to_english(client: TestClient) -> None:
    client.get("/lang/en")
    page = client.get("/rules?on=2025-06-01&area=complaints", headers=HTML)
    assert "Legal rules in force on 2025-06-01" in page.text
    assert "Decide whether to accept a complaint" in page.text
    assert "7 working days" in page.text
    assert "art. 14" in page.text


def test_money_ranges_read_as_yuan(client: TestClient) -> None:
    client.get("/lang/en")
    page = client.get("/rules?on=2025-06-01&q=statutory_range", headers=HTML)
    assert "¥30,000 – ¥5,000,000" in page.text
    assert "up to ¥5,000,000" in page.text


def test_uncertain_rules_are_tagged_and_explained(client: TestClient) -> None:
    page = client.get("/rules?on=2025-06-01&area=triage", headers=HTML)
    assert 'class="tag uncertain"' in page.text
    assert "经办人员使用前须自行核实" in page.text


def test_a_page_without_uncertain_rules_has_no_warning(client: TestClient) -> None:
    page = client.get("/rules?on=2025-06-01&area=courts", headers=HTML)
    assert 'class="tag verified"' in page.text
    assert "经办人员使用前须自行核实" not in page.text


def test_a_region_sees_its_overrides(client: TestClient) -> None:
    page = client.get("/rules?on=2025-06-01&region=310104&area=adjudication", headers=HTML)
    assert "上海市 (310000)" in page.text
    national = client.get("/rules?on=2025-06-01&area=adjudication", headers=HTML)
    assert "上海市 (310000)" not in national.text


def test_a_bad_date_is_shown_next_to_the_field(client: TestClient) -> None:
    page = client.get("/rules?on=2025-02-30", headers=HTML)
    assert page.status_code == 422
    assert 'id="e-on"' in page.text
    assert "请按 YYYY-MM-DD 格式填写日期" in page.text


def test_an_unknown_region_is_shown_next_to_the_field(client: TestClient) -> None:
    page = client.get("/rules?region=999999", headers=HTML)
    assert page.status_code == 422
    assert 'id="e-region"' in page.text


def test_the_detail_page_shows_the_version_in_force_and_the_history(client: TestClient) -> None:
    page = client.get("/rules/credit.publicity.general.max?on=2026-03-31", headers=HTML)
    assert page.status_code == 200
    assert page.text.count("<tr") == 3  # header + two versions
    in_force = page.text.split("<h2>")[0]
    assert "NDRC Order No. 58" in in_force
    assert "NDRC Order No. 36" not in in_force


def test_the_detail_page_says_when_no_version_is_in_force(client: TestClient) -> None:
    page = client.get("/rules/courts.small_claims?on=2023-06-01", headers=HTML)
    assert page.status_code == 200
    assert "2023-06-01 没有施行中的该规则版本" in page.text


def test_an_unknown_rule_is_not_found(client: TestClient) -> None:
    assert client.get("/rules/courts.nothing", headers=HTML).status_code == 404
    response = client.get("/api/v1/rules/courts.nothing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_list_exports_as_csv(client: TestClient) -> None:
    client.get("/lang/en")
    response = client.get("/rules?on=2026-04-01&area=credit&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "rules-2026-04-01.csv" in response.headers["content-disposition"]
    table = read_table(response.content, "rules.csv")
    rows = {r.values["rule"]: r.values for r in table.rows}
    assert rows["credit.publicity.serious.max"]["value"] == "3 years"
    assert "No. 36" in rows["credit.publicity.serious.max"]["source"]
    assert all(r.values["rule"].startswith("credit.") for r in table.rows)


def test_the_list_exports_as_xlsx_in_chinese(client: TestClient) -> None:
    response = client.get("/rules?on=2025-06-01&area=complaints&format=xlsx")
    assert response.status_code == 200
    table = read_table(response.content, "rules.xlsx")
    assert table.header[:3] == ["规则", "名称", "数值"]
    assert len(table.rows) == 8


def test_an_unknown_export_format_is_refused(client: TestClient) -> None:
    page = client.get("/rules?format=pdf", headers=HTML)
    assert page.status_code == 422
    assert "请选择 csv 或 xlsx" in page.text


def test_the_api_lists_the_rules_in_force_with_overrides(client: TestClient) -> None:
    response = client.get("/api/v1/rules?on=2025-06-01&region=310000&area=adjudication")
    assert response.status_code == 200
    body = response.json()
    assert body["on"] == "2025-06-01"
    assert body["region"] == "310000"
    rules = {r["id"]: r for r in body["rules"]}
    assert rules["adjudication.patent.answer"]["region"] == "310000"
    assert rules["adjudication.patent.answer"]["value"] == {"amount": 15, "unit": "days"}
    assert rules["adjudication.patent.close_period"]["certainty"] == "uncertain"


def test_the_api_returns_one_rule_with_its_history(client: TestClient) -> None:
    response = client.get("/api/v1/rules/credit.publicity.general.max?on=2026-04-01")
    assert response.status_code == 200
    body = response.json()
    assert "No. 36" in body["in_force"]["source"]
    assert [v["effective_from"] for v in body["history"]] == ["2023-05-01", "2026-04-01"]
    assert body["history"][0]["effective_to"] == "2026-04-01"


def test_the_api_returns_null_when_no_version_is_in_force(client: TestClient) -> None:
    response = client.get("/api/v1/rules/credit.publicity.minor.max?on=2026-03-31")
    assert response.status_code == 200
    assert response.json()["in_force"] is None


def test_the_api_refuses_a_bad_date_and_an_unknown_region(client: TestClient) -> None:
    response = client.get("/api/v1/rules?on=tomorrow&region=12")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert errors == {"on": "invalid_date", "region": "invalid_region"}


def test_the_api_money_is_never_a_float(client: TestClient) -> None:
    response = client.get("/api/v1/rules?on=2025-06-01&q=simple_procedure_fine_cap")
    values = [r["value"] for r in response.json()["rules"]]
    assert sorted(values) == ["200", "3000"]


def test_the_api_is_documented_under_the_rules_tag(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["paths"]["/api/v1/rules"]["get"]["tags"] == ["rules"]
    assert "/api/v1/rules/{rule_id}" in spec["paths"]
    assert "/rules" not in spec["paths"]


def test_list_rules_show_their_items_in_order_of_steps(client: TestClient) -> None:
    client.get("/lang/en")
    page = client.get("/rules/damages.trademark.methods?on=2025-06-01", headers=HTML)
    detail = page.text.split("<h2>")[0]
    steps = [detail.index(f"Step {n}") for n in (1, 2, 3, 4)]
    assert steps == sorted(steps)
    assert detail.index("the right holder&#39;s actual loss") < detail.index("the infringer&#39;s")


def test_a_broken_operator_rule_file_stops_the_app_from_starting(tmp_path: Path) -> None:
    (tmp_path / "local.toml").write_text('[[rule]]\nid = "complaints.x"\n', encoding="utf-8")
    settings = Settings(data_dir=tmp_path, secret_key="k", rules_dir=tmp_path)
    with pytest.raises(RuleFileError, match=r"local\.toml: rule complaints\.x: missing"):
        create_app(settings)
