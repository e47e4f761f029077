"""A mediation agreement nobody took to court for confirmation ends the case once the window
has passed: its performance is recorded and the case closes."""

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import CaseStatus, Channel
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, officer

D = dt.date.fromisoformat


def test_an_agreement_performed_after_the_window_closes_the_case(db: Session) -> None:
    case = accepted_case(db, "2025-08-20")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-08-20"))
    channels.take(db, handler, case, "agree", on=D("2025-09-01"))
    # The window ends on October 9 (day 30 falls in the National Day holiday).
    with pytest.raises(Problem) as open_window:
        channels.take(db, handler, case, "record_performance", on=D("2025-10-09"))
    assert open_window.value.code == "window_open"
    performed = channels.take(db, handler, case, "record_performance", on=D("2025-10-10"))
    assert (performed.step, performed.due_on) == ("agreement_performed", None)
    assert (case.status, case.closed_on, case.closed_as) == (
        CaseStatus.CLOSED,
        D("2025-10-10"),
        "mediation.agreement_performed",
    )
