"""POST /api/v1/damages/calculate: public, no login and no CSRF token, amounts in and out as
decimal strings, every step with its source in both languages, and 422 with field paths for
bad input."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ipprotect.damages import service
from ipprotect.damages.model import Claim
from ipprotect.settings import Settings
from tests.damages.helpers import DAY, WILFUL

URL = "/api/v1/damages/calculate"


def post(client: TestClient, **body: Any) -> Any:
    return client.post(URL, json={"decided_on": "2025-06-01", **body})


def test_an_anonymous_caller_gets_compensatory_punitive_total_steps_and_reading(
    client: TestClient,
) -> None:
    response = post(
        client,
        law="trademark",
        actual_loss="100000",
        licence_fee="5000",
        licence_multiple=3,
        punitive_multiplier=2,
        reasonable_expenses="8000.50",
        intent=["piracy_or_counterfeit_mark"],
        serious_circumstances=["repeat_after_penalty_or_judgment"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["compensatory"], body["punitive"], body["total"]) == (
        "100000.00",
        "200000.00",
        "308000.50",
    )
    assert body["method"] == "actual_loss"
    assert body["reading"]["id"] == "base_times_one_plus_m"
    assert body["reading"]["applied"] is True
    assert body["reading"]["source"]["certainty"] == "uncertain"
    first = body["steps"][0]
    assert first["source"]["rule_id"] == "damages.trademark.methods"
    assert first["source"]["source"] == "商标法 (Trademark Law, 2019 amendment) art. 63"
    assert first["text_zh"].startswith("第1步")
    assert first["text_en"].startswith("Step 1")
    assert first["amount"] == "100000.00"


def test_json_numbers_and_decimal_strings_give_the_same_result(client: TestClient) -> None:
    as_numbers = post(client, law="patent", actual_loss=0.1, reasonable_expenses=0.2).json()
    as_strings = post(client, law="patent", actual_loss="0.1", reasonable_expenses="0.2").json()
    assert as_numbers["total"] == as_strings["total"] == "0.30"


def test_only_statutory_damages_give_ranges_and_no_single_total(client: TestClient) -> None:
    body = post(client, law="patent", reasonable_expenses="1000").json()
    assert body["compensatory"] is None
    assert body["total"] is None
    assert body["compensatory_range"] == {"min": "30000.00", "max": "5000000.00"}
    assert body["total_range"] == {"min": "31000.00", "max": "5001000.00"}


def test_a_typified_estimate_comes_back_with_its_uncertain_source(client: TestClient) -> None:
    body = post(
        client,
        law="copyright",
        typified={"table": "beijing_high_court_2020", "case_type": "text_work", "units": 20},
    ).json()
    assert body["typified_estimate"] == {"min": "6000.00", "max": "20000.00"}
    assert body["uncertain"] is True
    sources = {s["source"]["rule_id"] for s in body["steps"]}
    assert "typified.beijing_high_court_2020" in sources


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"law": "patent", "actual_loss": "-5"}, "actual_loss", "negative"),
        ({"law": "patent", "actual_loss": "1.001"}, "actual_loss", "too_precise"),
        ({"law": "patent", "punitive_multiplier": 6}, "punitive_multiplier", "out_of_range"),
        ({"law": "design"}, "law", "enum"),
        ({"law": "patent", "decided_on": "2021-05-31"}, "decided_on", "no_version"),
        ({"law": "patent", "decided_on": "2021-13-01"}, "decided_on", "date_from_datetime_parsing"),
        ({"law": "patent", "intent": ["continued_after_notice", "x"]}, "intent.1", "unknown_item"),
        (
            {"law": "patent", "typified": {"table": "beijing_high_court_2020", "case_type": "x"}},
            "typified.case_type",
            "unknown",
        ),
        ({"law": "patent", "actual_loss": "NaN"}, "actual_loss", "finite_number"),
        ({"law": "unfair_competition"}, "conduct", "required"),
        ({"law": "patent", "licence_multiple": 2}, "licence_fee", "required"),
    ],
)
def test_bad_input_is_a_422_with_the_field_path(
    client: TestClient, body: dict[str, Any], field: str, code: str
) -> None:
    response = post(client, **body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert errors.get(field) == code, errors


def test_the_reading_setting_changes_the_result_and_is_stated(settings: Settings) -> None:
    claim = Claim(
        "patent",
        DAY,
        actual_loss=Decimal(1000),
        punitive_multiplier=Decimal(2),
        intent=WILFUL["intent"],
        serious_circumstances=WILFUL["serious_circumstances"],
    )
    default = service.estimate(claim, settings)
    other = service.estimate(
        claim, settings.model_copy(update={"damages_punitive_reading": "base_times_m"})
    )
    assert (default.reading.reading.value, default.punitive) == ("base_times_one_plus_m", 2000)
    assert (other.reading.reading.value, other.punitive) == ("base_times_m", 1000)


def test_the_api_is_documented_under_the_damages_tag(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][URL]["post"]
    assert operation["tags"] == ["damages"]
    body = spec["components"]["schemas"]["DamagesIn"]["properties"]
    assert {"type": "string"} in body["actual_loss"]["anyOf"]
