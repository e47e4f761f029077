"""The channel API: entering, transitions by role, scope, and the work queue."""

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.cases.factories import make_case
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU
from tests.registry.factories import bearer


def test_an_officer_routes_a_case_to_mediation_and_a_mediator_reaches_agreement(
    client: TestClient, db: Session
) -> None:
    case = accepted_case(db, "2025-08-20")
    user, _ = mediator(db)
    head = bearer(db, Role.OFFICER, [XIHU])
    entered = client.post(
        f"/api/v1/cases/{case.id}/channel",
        json={"channel": "mediation", "on": "2025-08-20"},
        headers=head,
    )
    assert entered.status_code == 201, entered.text
    assert entered.json()["current"]["step"] == "mediating"
    assert "assign_mediator" in entered.json()["actions"]
    url = f"/api/v1/cases/{case.id}/channel/transitions"
    assigned = client.post(
        url, json={"transition": "assign_mediator", "mediator_id": user.id}, headers=head
    )
    assert assigned.json()["current"]["assignee_id"] == user.id
    agreed = client.post(url, json={"transition": "agree", "on": "2025-09-01"}, headers=head)
    current = agreed.json()["current"]
    assert (current["step"], current["due_on"]) == ("agreed", "2025-10-09")
    assert current["rule_id"] == "mediation.judicial_confirmation_window"


def test_unknown_or_untimely_transitions_are_refused_with_codes(
    client: TestClient, db: Session
) -> None:
    case = accepted_case(db, "2025-03-03")
    head = bearer(db, Role.OFFICER, [XIHU])
    url = f"/api/v1/cases/{case.id}/channel/transitions"
    not_in = client.post(url, json={"transition": "fail"}, headers=head)
    assert (not_in.status_code, not_in.json()["code"]) == (409, "not_in_channel")
    client.post(
        f"/api/v1/cases/{case.id}/channel",
        json={"channel": "mediation", "on": "2025-03-03"},
        headers=head,
    )
    unknown = client.post(url, json={"transition": "docket"}, headers=head)
    assert (unknown.status_code, unknown.json()["code"]) == (409, "transition_not_allowed")
    future = client.post(url, json={"transition": "fail", "on": "2999-01-01"}, headers=head)
    assert [e["code"] for e in future.json()["errors"]] == ["in_future"]
    before = client.post(url, json={"transition": "fail", "on": "2025-03-01"}, headers=head)
    assert [e["code"] for e in before.json()["errors"]] == ["before_previous_step"]


def test_a_case_not_yet_accepted_does_not_enter_a_channel(client: TestClient, db: Session) -> None:
    case = make_case(db)
    response = client.post(
        f"/api/v1/cases/{case.id}/channel",
        json={"channel": "mediation"},
        headers=bearer(db, Role.OFFICER, [XIHU]),
    )
    assert (response.status_code, response.json()["code"]) == (409, "case_not_accepted")


def test_another_district_gets_404_and_systems_may_not_act(client: TestClient, db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    channels.enter(db, officer(db), case, Channel.MEDIATION, on=dt.date(2025, 3, 3))
    outsider = bearer(db, Role.OFFICER, [BINJIANG])
    base = f"/api/v1/cases/{case.id}/channel"
    assert client.get(base, headers=outsider).status_code == 404
    refused = client.post(f"{base}/transitions", json={"transition": "fail"}, headers=outsider)
    assert refused.status_code == 404
    assert client.get("/api/v1/cases/queue", headers=outsider).json()["items"] == []
    system = bearer(db, Role.SYSTEM, [XIHU])
    assert client.get(base, headers=system).status_code == 200
    acted = client.post(f"{base}/transitions", json={"transition": "fail"}, headers=system)
    assert acted.status_code == 403
    a_mediator_not_assigned = bearer(db, Role.MEDIATOR, [XIHU])
    assert client.get(base, headers=a_mediator_not_assigned).status_code == 404
    step = channels.current_step(db, case)
    assert step is not None
    assert step.step == "mediating"


def test_the_work_queue_sorts_by_deadline_and_flags_overdue_and_paused_steps(
    client: TestClient, db: Session
) -> None:
    handler = officer(db)
    later = accepted_case(db, "2025-03-03")
    sooner = accepted_case(db, "2025-01-20")
    paused = accepted_case(db, "2025-01-06")
    for case, day in ((later, "2025-03-03"), (sooner, "2025-01-20"), (paused, "2025-01-06")):
        channels.enter(db, handler, case, Channel.MEDIATION, on=dt.date.fromisoformat(day))
    channels.pause(db, handler, paused, "鉴定", on=dt.date(2025, 1, 10))
    queue = client.get("/api/v1/cases/queue?size=500", headers=bearer(db, Role.OFFICER, [XIHU]))
    items = queue.json()["items"]
    ours = {later.id, sooner.id, paused.id}
    mine = [i for i in items if i["case_id"] in ours]
    assert [i["case_id"] for i in mine] == [paused.id, sooner.id, later.id]
    assert [(i["overdue"], i["paused"]) for i in mine] == [
        (False, True),
        (True, False),
        (True, False),
    ]
    assert mine[1]["due_on"] == "2025-03-28"
    assert client.get("/api/v1/cases/queue", headers=bearer(db, Role.SYSTEM)).status_code == 403


def test_an_assigned_mediator_sees_only_their_steps_in_the_queue(
    client: TestClient, db: Session
) -> None:
    handler = officer(db)
    theirs, other = accepted_case(db, "2025-03-03"), accepted_case(db, "2025-03-03")
    user, _ = mediator(db)
    for case in (theirs, other):
        channels.enter(db, handler, case, Channel.MEDIATION, on=dt.date(2025, 3, 3))
    channels.take(db, handler, theirs, "assign_mediator", mediator_id=user.id)
    login(client, user.username, PASSWORD)
    items = client.get("/api/v1/cases/queue").json()["items"]
    assert [i["case_id"] for i in items] == [theirs.id]
    assert client.get(f"/api/v1/cases/{theirs.id}/channel").status_code == 200
    assert client.get(f"/api/v1/cases/{other.id}/channel").status_code == 404
