"""The publicity deadline of a penalty decision in the officers' work queue: one more source,
in the region's scope, gone once the decision is published, never a mediator's."""

from pathlib import Path

from sqlalchemy.orm import Session

from ipprotect.cases import sweep
from ipprotect.cases.channels import queue
from ipprotect.cases.documents import service as documents
from ipprotect.cases.models import Case, Channel
from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.credit import publicity
from tests.cases.channel_factories import mediator, officer
from tests.cases.document_factories import D, penalty_case
from tests.credit.test_publicity import decide
from tests.factories import BINJIANG, XIHU, make_user

DAY_AFTER_THE_DEADLINE = D("2025-10-14")


def publicity_items(
    db: Session, who: Principal, case: Case, f: queue.QueueFilters | None = None
) -> list[queue.QueueItem]:
    page = queue.work_queue(db, who, f or queue.QueueFilters(), DAY_AFTER_THE_DEADLINE, 3, 1, 500)
    return [i for i in page.items if i.case_id == case.id and i.source == "publicity"]


def test_an_unpublished_decision_is_an_overdue_deadline_in_the_queue_until_published(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2025-09-26")
    p = decide(db, case, "2025-09-26", tmp_path)
    [item] = publicity_items(db, officer(db), case)
    assert (item.channel, item.step, item.due_on) == (
        Channel.ADMIN_PENALTY,
        "publicity",
        D("2025-10-13"),
    )
    assert (item.overdue, item.due_soon, item.key) == (True, False, f"publicity:{item.step_id}")
    overdue = queue.QueueFilters(due="overdue", channel=Channel.ADMIN_PENALTY)
    assert publicity_items(db, officer(db), case, overdue) == [item]
    assert (
        publicity_items(db, officer(db), case, queue.QueueFilters(channel=Channel.MEDIATION)) == []
    )
    publicity.publish(
        db, principal_for(make_user(db, Role.CREDIT_OFFICER, [XIHU])), p, D("2025-10-14")
    )
    assert publicity_items(db, officer(db), case) == []


def test_the_publicity_deadline_is_the_regions_not_a_mediators_nor_another_districts(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2025-09-26")
    decide(db, case, "2025-09-26", tmp_path)
    assert publicity_items(db, officer(db, BINJIANG), case) == []
    assert publicity_items(db, mediator(db)[1], case) == []
    assert publicity_items(db, officer(db, "330100"), case) != []


def test_a_withheld_warning_is_no_deadline(db: Session, tmp_path: Path) -> None:
    decision = {
        "measures": ["warning"],
        "legal_basis": "《中华人民共和国商标法》第六十条第二款",
        "party_present": True,
    }
    case = penalty_case(db, "2025-09-26", decision)
    decide(db, case, "2025-09-26", tmp_path)
    assert publicity_items(db, officer(db), case) == []


def test_the_cases_sweep_reminds_of_an_unpublished_decision_and_the_cases_list_drops_it(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2025-09-26")
    p = decide(db, case, "2025-09-26", tmp_path)
    sweep.sweep(db, DAY_AFTER_THE_DEADLINE, 3)
    [item] = publicity_items(db, officer(db), case)
    assert item.reminded == "overdue"
    credit = principal_for(make_user(db, Role.CREDIT_OFFICER, [XIHU]))
    listed = documents.publicity_due(db, credit, DAY_AFTER_THE_DEADLINE)
    assert p.source_id in [i.document.id for i in listed]
    publicity.publish(db, credit, p, DAY_AFTER_THE_DEADLINE)
    listed = documents.publicity_due(db, credit, DAY_AFTER_THE_DEADLINE)
    assert p.source_id not in [i.document.id for i in listed]
