"""Accounts core: argon2 passwords, login throttling, session lifetime, API tokens, and the
scope rules of account administration."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import accounts, audit
from ipprotect.core.auth import (
    Role,
    User,
    authenticate,
    create_token,
    principal_for,
    principal_for_token,
    revoke_token,
    session_user,
    start_session,
    verify_password,
)
from ipprotect.core.errors import Problem
from ipprotect.core.ids import make_uscc
from ipprotect.db import utcnow
from ipprotect.settings import Settings
from tests.factories import BINJIANG, HANGZHOU, NINGBO, PASSWORD, XIHU, make_user


def _limits(settings: Settings, per_user: int = 5, per_address: int = 20) -> Settings:
    return settings.model_copy(
        update={
            "login_max_failures_per_user": per_user,
            "login_max_failures_per_address": per_address,
        }
    )


def _status(call: Callable[[], object]) -> int:
    try:
        call()
    except Problem as problem:
        return problem.status
    return 200


# --- passwords ---------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes_never_in_plaintext(db: Session) -> None:
    user = make_user(db)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "x")


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_login(
    db: Session, settings: Settings
) -> None:
    user = make_user(db)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.flush()
    authenticate(db, settings, user.username, PASSWORD, "10.0.0.1")
    assert user.password_hash != weak
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)


def test_a_deactivated_account_cannot_log_in_even_with_its_password(
    db: Session, settings: Settings
) -> None:
    user = make_user(db)
    user.active = False
    db.flush()
    with pytest.raises(Problem) as refused:
        authenticate(db, settings, user.username, PASSWORD, "10.0.0.2")
    assert refused.value.code == "login_failed"


# --- throttling --------------------------------------------------------------------------------


def test_logins_are_throttled_per_username_whatever_the_address(
    db: Session, settings: Settings
) -> None:
    limits = _limits(settings, per_user=2)
    user = make_user(db)
    failures = [
        _status(lambda a=address: authenticate(db, limits, user.username, "wrong", a))
        for address in ("10.1.0.1", "10.1.0.2")
    ]
    assert failures == [401, 401]
    right_password = _status(lambda: authenticate(db, limits, user.username, PASSWORD, "10.1.0.3"))
    assert right_password == 429
    other = make_user(db)
    assert _status(lambda: authenticate(db, limits, other.username, PASSWORD, "10.1.0.3")) == 200


def test_logins_are_throttled_per_address_across_usernames(db: Session, settings: Settings) -> None:
    limits = _limits(settings, per_user=5, per_address=3)
    user = make_user(db)
    failures = [
        _status(lambda n=n: authenticate(db, limits, f"guess{n}", "wrong", "10.2.0.9"))
        for n in range(3)
    ]
    assert failures == [401, 401, 401]
    assert _status(lambda: authenticate(db, limits, user.username, PASSWORD, "10.2.0.9")) == 429
    assert _status(lambda: authenticate(db, limits, user.username, PASSWORD, "10.2.0.8")) == 200


def test_the_throttle_tells_the_client_when_to_retry(db: Session, settings: Settings) -> None:
    limits = _limits(settings, per_user=1)
    user = make_user(db)
    _status(lambda: authenticate(db, limits, user.username, "wrong", "10.3.0.1"))
    with pytest.raises(Problem) as throttled:
        authenticate(db, limits, user.username, PASSWORD, "10.3.0.1")
    assert throttled.value.headers["Retry-After"] == str(settings.login_window_seconds)


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_limit(db: Session, settings: Settings) -> None:
    user = make_user(db)
    data: dict[str, object] = {}
    t0 = utcnow()
    start_session(data, user, t0)
    within = t0 + timedelta(seconds=settings.session_idle_seconds)
    assert session_user(db, data, settings, within) is user
    idle = within + timedelta(seconds=settings.session_idle_seconds + 1)
    assert session_user(db, data, settings, idle) is None


def test_an_active_session_still_ends_at_the_absolute_limit(
    db: Session, settings: Settings
) -> None:
    user = make_user(db)
    data: dict[str, object] = {}
    t0 = utcnow()
    start_session(data, user, t0)
    max_age = timedelta(seconds=settings.session_max_age_seconds)
    step = timedelta(seconds=settings.session_idle_seconds // 2)
    now = t0
    while now + step - t0 <= max_age:  # a user busy all day, never idle for long
        now += step
        assert session_user(db, data, settings, now) is user
    assert session_user(db, data, settings, now + step) is None


def test_a_password_reset_or_deactivation_ends_open_sessions(
    db: Session, settings: Settings
) -> None:
    admin = principal_for(make_user(db, Role.ADMIN))
    user = make_user(db, region_codes=[XIHU])
    data: dict[str, object] = {}
    now = utcnow()
    start_session(data, user, now)
    reset = accounts.AccountChanges(password="another long password")
    accounts.update_account(db, admin, audit.SYSTEM, user, reset)
    assert session_user(db, data, settings, now) is None

    start_session(data, user, now)
    assert session_user(db, data, settings, now) is user
    accounts.update_account(db, admin, audit.SYSTEM, user, accounts.AccountChanges(active=False))
    assert session_user(db, data, settings, now) is None


def test_starting_a_session_drops_whatever_the_old_one_held(db: Session) -> None:
    user = make_user(db)
    data: dict[str, object] = {"csrf": "planted-by-an-attacker", "user_id": 999}
    start_session(data, user, utcnow())
    assert data["user_id"] == user.id
    assert "csrf" not in data


# --- API tokens --------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_a_hash_and_resolves_to_its_role_and_regions(
    db: Session,
) -> None:
    token, plaintext = create_token(
        db, audit.SYSTEM, name="Hangzhou procurement", region_codes=[HANGZHOU]
    )
    assert plaintext not in (token.token_hash, token.token_prefix)
    assert plaintext.startswith(token.token_prefix)
    principal = principal_for_token(db, plaintext)
    assert principal is not None
    assert principal.role is Role.SYSTEM
    assert principal.token_id == token.id
    assert principal.scope.covers(XIHU)
    assert not principal.scope.covers(NINGBO)
    assert principal_for_token(db, plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None


def test_token_use_is_recorded_at_most_once_a_minute(db: Session) -> None:
    token, plaintext = create_token(db, audit.SYSTEM, name="bidding", region_codes=[HANGZHOU])
    t0 = utcnow()
    principal_for_token(db, plaintext, now=t0)
    assert token.last_used_at == t0
    principal_for_token(db, plaintext, now=t0 + timedelta(seconds=59))
    assert token.last_used_at == t0
    principal_for_token(db, plaintext, now=t0 + timedelta(seconds=61))
    assert token.last_used_at == t0 + timedelta(seconds=61)


def test_a_revoked_token_is_refused_and_the_revocation_is_audited(db: Session) -> None:
    token, plaintext = create_token(db, audit.SYSTEM, name="land", region_codes=[HANGZHOU])
    revoke_token(db, audit.SYSTEM, token)
    assert principal_for_token(db, plaintext) is None
    event = db.scalar(
        select(audit.AuditEvent).where(
            audit.AuditEvent.action == "token.revoke",
            audit.AuditEvent.object_id == str(token.id),
        )
    )
    assert event is not None
    assert event.after is not None
    assert event.after["revoked"] is True
    assert plaintext not in str(event.after)
    assert token.token_hash not in str(event.after)


def test_a_token_needs_a_name_and_known_regions(db: Session) -> None:
    with pytest.raises(Problem) as refused:
        create_token(db, audit.SYSTEM, name=" ", region_codes=["999999"])
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("name", "required"),
        ("region_codes", "unknown_region"),
    }


# --- account validation and administration scope ----------------------------------------------


def test_account_input_is_checked_field_by_field(db: Session) -> None:
    taken = make_user(db)
    with pytest.raises(Problem) as refused:
        accounts.create_account(
            db,
            accounts.NATIONAL_AUTHORITY,
            audit.SYSTEM,
            username=taken.username,
            password="short",
            role=Role.OFFICER,
            region_codes=["999999"],
            entity_uscc=make_uscc("9", "1", XIHU, "MA2H1234"),
        )
    assert refused.value.status == 422
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("username", "username_taken"),
        ("password", "password_too_short"),
        ("region_codes", "unknown_region"),
        ("entity_uscc", "uscc_not_allowed"),
    }


def test_an_applicant_account_carries_a_valid_credit_code_in_its_normal_form(
    db: Session,
) -> None:
    code = make_uscc("9", "1", XIHU, "MA2H1234")
    spaced = f"{code[:6]} {code[6:12]}-{code[12:]}".lower()
    user = make_user(db, Role.APPLICANT, [XIHU], entity_uscc=spaced)
    assert user.entity_uscc == code
    with pytest.raises(Problem) as refused:
        make_user(db, Role.APPLICANT, [XIHU], entity_uscc=code[:-1] + "0")
    assert refused.value.errors[0].field == "entity_uscc"


def test_an_admin_manages_only_accounts_whose_regions_all_lie_in_their_scope(
    db: Session,
) -> None:
    hangzhou_admin = principal_for(make_user(db, Role.ADMIN, [HANGZHOU]))
    inside = make_user(db, region_codes=[XIHU, BINJIANG])
    straddling = make_user(db, region_codes=[XIHU, NINGBO])
    national = make_user(db, region_codes=["000000"])
    assert accounts.get_user(db, hangzhou_admin, inside.id) is inside
    for outside in (straddling, national):
        with pytest.raises(Problem) as hidden:
            accounts.get_user(db, hangzhou_admin, outside.id)
        assert hidden.value.status == 404
    listed = accounts.list_users(db, hangzhou_admin, accounts.UserFilter(), 1, 500).items
    assert inside in listed
    assert straddling not in listed
    assert national not in listed
    everyone = accounts.list_users(db, accounts.NATIONAL_AUTHORITY, accounts.UserFilter(), 1, 500)
    assert {inside, straddling, national} <= set(everyone.items)


def test_an_admin_cannot_grant_a_region_outside_their_own(db: Session) -> None:
    hangzhou_admin = principal_for(make_user(db, Role.ADMIN, [HANGZHOU]))
    with pytest.raises(Problem) as refused:
        accounts.create_account(
            db,
            hangzhou_admin,
            audit.SYSTEM,
            username="wider.admin",
            password=PASSWORD,
            role=Role.ADMIN,
            region_codes=["330000"],
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [("region_codes", "outside_scope")]
    assert db.scalar(select(User).where(User.username == "wider.admin")) is None


def test_an_admin_cannot_deactivate_themselves_or_change_their_own_role(db: Session) -> None:
    user = make_user(db, Role.ADMIN, [HANGZHOU])
    me = principal_for(user)
    changes = accounts.AccountChanges(active=False, role=Role.OFFICER)
    with pytest.raises(Problem) as refused:
        accounts.update_account(db, me, me.actor(), user, changes)
    assert {e.code for e in refused.value.errors} == {"self_deactivation", "self_role_change"}
    assert user.active
    assert user.role is Role.ADMIN


def test_an_edit_is_audited_with_before_and_after_but_never_the_password_hash(
    db: Session,
) -> None:
    admin = principal_for(make_user(db, Role.ADMIN, [HANGZHOU]))
    user = make_user(db, region_codes=[XIHU])
    changes = accounts.AccountChanges(
        role=Role.MEDIATOR, region_codes=[BINJIANG], password="a brand new password"
    )
    accounts.update_account(db, admin, admin.actor("req-1"), user, changes)
    events = list(
        db.scalars(
            select(audit.AuditEvent)
            .where(audit.AuditEvent.object_id == str(user.id))
            .where(audit.AuditEvent.action.in_(["user.update", "user.password_reset"]))
        )
    )
    update = next(e for e in events if e.action == "user.update")
    assert update.before == {"role": "officer", "region_codes": [XIHU]}
    assert update.after == {"role": "mediator", "region_codes": [BINJIANG]}
    assert update.request_id == "req-1"
    assert update.actor_name == admin.name
    assert {e.action for e in events} == {"user.update", "user.password_reset"}
    for event in events:
        assert user.password_hash not in str(event.after)
        assert "a brand new password" not in str(event.after)
