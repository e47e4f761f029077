"""Simple / complex triage by the rule set of rules/triage.toml, with reasons and overrides."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from ipprotect.cases import service
from ipprotect.cases.models import Track
from ipprotect.cases.triage import Facts, RightFacts, triage
from ipprotect.core import rules
from ipprotect.core.auth import Role, principal_for
from ipprotect.core.errors import Problem
from ipprotect.registry.models import RightKind
from tests.cases.factories import make_case
from tests.factories import XIHU, make_user
from tests.registry.factories import make_entity, make_right

ON = date(2025, 3, 3)


def _triage(facts: Facts) -> tuple[str, list[str]]:
    outcome = triage(
        facts,
        rules.items("triage.complex_factors", ON),
        rules.items("triage.simple_factors", ON),
        rules.amount("triage.complex_amount_threshold", ON),
    )
    return outcome.track, [i.id for i in outcome.reasons]


def test_an_invention_patent_makes_a_case_complex() -> None:
    facts = Facts((RightFacts("patent", "invention", True),), None, frozenset())
    assert _triage(facts) == ("complex", ["invention_or_utility_model_patent"])


def test_a_design_patent_alone_does_not() -> None:
    facts = Facts((RightFacts("patent", "design", True),), None, frozenset())
    assert _triage(facts) == ("simple", [])


def test_a_registered_trademark_with_a_small_claim_is_simple_with_its_reasons() -> None:
    facts = Facts(
        (RightFacts("trademark", None, True),), Decimal("5000"), frozenset({"identical_copying"})
    )
    assert _triage(facts) == (
        "simple",
        ["copyright_or_trademark_with_certificate", "identical_copying"],
    )


def test_an_amount_above_the_rule_threshold_makes_a_case_complex() -> None:
    threshold = rules.amount("triage.complex_amount_threshold", ON)
    just_above = Facts((), threshold + Decimal("0.01"), frozenset())
    at = Facts((), threshold, frozenset())
    assert _triage(just_above) == ("complex", ["amount_above_threshold"])
    assert _triage(at)[0] == "simple"


def test_declared_factors_count_like_derived_ones() -> None:
    facts = Facts((RightFacts("trademark", None, True),), None, frozenset({"foreign_related"}))
    assert _triage(facts) == ("complex", ["foreign_related"])


def test_a_received_case_is_triaged_from_its_rights(db: Session) -> None:
    owner = make_entity(db, region_code=XIHU)
    patent = make_right(db, owner, RightKind.PATENT)
    case = make_case(db, right_ids=str(patent.id), received_on="2025-03-03")
    expected = "complex" if patent.patent_kind in ("invention", "utility_model") else "simple"
    assert case.track.value == expected


def test_an_officer_overrides_the_track_with_a_reason_and_it_is_audited(db: Session) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    case = make_case(db, triage_flags=["suspected_crime"])
    assert case.track is Track.COMPLEX
    assert case.triage_reasons == ["suspected_crime"]
    with pytest.raises(Problem):
        service.override_track(db, officer, case, "simple", "")
    service.override_track(db, officer, case, "simple", "线索已排除涉嫌犯罪")
    assert case.track is Track.SIMPLE
    assert case.track_overridden
    assert case.triage_reasons == ["suspected_crime"]  # the rule's reasons stay on record
