"""Account administration for the admin role: the `/admin` pages and the `/api/v1/admin` API
(accounts in the administrator's scope, API tokens). The rules are in `core/accounts.py`."""

import re
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ipprotect.core import accounts
from ipprotect.core.auth import ACCOUNT_ROLES, Principal, Role, User, start_session
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.core.ids import is_region_code, region_name
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.db import utcnow
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, get_locale, gettext
from ipprotect.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/admin", tags=["admin"])

admin_only = require(Role.ADMIN)
NO_STORE = {"Cache-Control": "no-store"}  # pages and answers that carry a token's plaintext


# --- form helpers ------------------------------------------------------------------------------


def _region_list(text: str) -> list[str]:
    """Region codes typed into one field, separated by spaces, commas or the Chinese 、，；."""
    return [c for c in re.split(r"[\s,，、;；]+", text.strip()) if c]


def _role(value: str) -> Role:
    if value not in {r.value for r in ACCOUNT_ROLES}:
        raise invalid([FieldError("role", "invalid_role", N_("Choose a role from the list"))])
    return Role(value)


def _role_options() -> list[tuple[str, str]]:
    return [(r.value, gettext(r.value)) for r in ACCOUNT_ROLES]


def _errors(problem: Problem) -> dict[str, str]:
    """Translated messages by field; several for one field (two bad region codes) are joined."""
    found: dict[str, list[str]] = {}
    for error in problem.errors:
        found.setdefault(error.field, []).append(error.text(gettext))
    separator = "；" if get_locale() == "zh_CN" else "; "
    return {name: separator.join(texts) for name, texts in found.items()}


def _flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def _page(request: Request, name: str, status_code: int = 200, **context: object) -> Response:
    context.setdefault("flash", request.session.pop("flash", None))
    return render(
        request,
        name,
        status_code=status_code,
        roles=_role_options(),
        region_name=lambda code: region_name(code, get_locale()),
        **context,
    )


def _keep_own_session(request: Request, principal: Principal, user: User) -> None:
    """An administrator who resets their own password stays logged in in this browser."""
    if user.id == principal.user_id:
        start_session(request.session, user, utcnow())


# --- pages: accounts ---------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def users_page(
    request: Request,
    role: str = "",
    region: str = "",
    active: str = "",
    page: int = 1,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    errors = {}
    region_code = region.strip() or None
    if region_code is not None and not is_region_code(region_code):
        errors["region"] = gettext("Unknown region code {code}").format(code=region_code)
        region_code = None
    filters = accounts.UserFilter(
        role=Role(role) if role in {r.value for r in ACCOUNT_ROLES} else None,
        region_code=region_code,
        active={"1": True, "0": False}.get(active),
    )
    users = accounts.list_users(session, principal, filters, page, settings.page_size)
    return _page(
        request,
        "admin/users.html",
        status_code=422 if errors else 200,
        users=users,
        errors=errors,
        filters={"role": role, "region": region, "active": active},
    )


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_page(request: Request, principal: Principal = Depends(admin_only)) -> Response:
    return _page(request, "admin/user_new.html", form={"region_codes": _own_regions(principal)})


def _own_regions(principal: Principal) -> str:
    """The administrator's single region as the form's starting value, when there is one."""
    codes = sorted(principal.scope.prefixes)
    return codes[0].ljust(6, "0") if len(codes) == 1 else ""


@router.post("/admin/users", response_class=HTMLResponse)
def create_user_page(
    request: Request,
    username: str = Form(""),
    display_name: str = Form(""),
    role: str = Form(""),
    region_codes: str = Form(""),
    entity_uscc: str = Form(""),
    password: str = Form(""),
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "region_codes": region_codes,
        "entity_uscc": entity_uscc,
    }
    try:
        user = accounts.create_account(
            session,
            principal,
            principal.actor(request_id(request)),
            username=username.strip(),
            password=password,
            role=_role(role),
            region_codes=_region_list(region_codes),
            display_name=display_name,
            entity_uscc=entity_uscc.strip() or None,
        )
    except Problem as problem:
        if problem.status != 422:
            raise
        return _page(
            request,
            "admin/user_new.html",
            status_code=422,
            form=form,
            errors=_errors(problem),
        )
    session.commit()
    _flash(request, gettext("Account %(name)s created") % {"name": user.username})
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(
    request: Request,
    user_id: RecordId,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    user = accounts.get_user(session, principal, user_id)
    return _page(request, "admin/user.html", user=user, form=_user_form(user))


def _user_form(user: User) -> dict[str, object]:
    return {
        "display_name": user.display_name,
        "role": user.role.value,
        "region_codes": " ".join(user.region_codes),
        "entity_uscc": user.entity_uscc or "",
        "active": user.active,
    }


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def edit_user_page(
    request: Request,
    user_id: RecordId,
    display_name: str = Form(""),
    role: str = Form(""),
    region_codes: str = Form(""),
    entity_uscc: str = Form(""),
    active: bool = Form(False),
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    user = accounts.get_user(session, principal, user_id)
    form = {
        "display_name": display_name,
        "role": role,
        "region_codes": region_codes,
        "entity_uscc": entity_uscc,
        "active": active,
    }

    def changes() -> accounts.AccountChanges:
        return accounts.AccountChanges(
            display_name=display_name,
            role=_role(role),
            region_codes=_region_list(region_codes),
            change_entity_uscc=True,
            entity_uscc=entity_uscc.strip() or None,
            active=active,
        )

    return _apply(request, principal, session, user, changes, form)


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def reset_password_page(
    request: Request,
    user_id: RecordId,
    password: str = Form(""),
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    user = accounts.get_user(session, principal, user_id)
    changes = accounts.AccountChanges(password=password)
    return _apply(request, principal, session, user, lambda: changes, _user_form(user))


def _apply(
    request: Request,
    principal: Principal,
    session: Session,
    user: User,
    changes: Callable[[], accounts.AccountChanges],
    form: dict[str, object],
) -> Response:
    """Save an edit and go back to the account, or show the form again with each error."""
    actor = principal.actor(request_id(request))
    try:
        saved = changes()
        accounts.update_account(session, principal, actor, user, saved)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _page(
            request,
            "admin/user.html",
            status_code=422,
            user=user,
            form=form,
            errors=_errors(problem),
        )
    session.commit()
    if saved.password is None:
        _flash(request, gettext("Changes saved"))
    else:
        _keep_own_session(request, principal, user)
        _flash(request, gettext("The password was reset"))
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


# --- pages: API tokens -------------------------------------------------------------------------


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    tokens = accounts.list_tokens(session, principal)
    form = {"role": Role.SYSTEM.value, "region_codes": _own_regions(principal)}
    return _page(request, "admin/tokens.html", tokens=tokens, form=form)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token_page(
    request: Request,
    name: str = Form(""),
    role: str = Form(Role.SYSTEM.value),
    region_codes: str = Form(""),
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    try:
        token, plaintext = accounts.issue_token(
            session,
            principal,
            principal.actor(request_id(request)),
            name=name,
            role=_role(role),
            region_codes=_region_list(region_codes),
        )
    except Problem as problem:
        if problem.status != 422:
            raise
        return _page(
            request,
            "admin/tokens.html",
            status_code=422,
            tokens=accounts.list_tokens(session, principal),
            form={"name": name, "role": role, "region_codes": region_codes},
            errors=_errors(problem),
        )
    session.commit()
    # Shown on this response only (not after a redirect): the plaintext is stored nowhere.
    response = _page(request, "admin/token_created.html", token=token, plaintext=plaintext)
    response.headers.update(NO_STORE)
    return response


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_page(
    request: Request,
    token_id: RecordId,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> Response:
    token = accounts.revoke(session, principal, principal.actor(request_id(request)), token_id)
    session.commit()
    _flash(request, gettext("Token %(name)s revoked") % {"name": token.name})
    return RedirectResponse("/admin/tokens", status_code=303)


# --- API ---------------------------------------------------------------------------------------


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    region_codes: list[str]
    entity_uscc: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserList(BaseModel):
    items: list[UserOut]
    total: int
    page: int
    size: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str
    role: Role
    region_codes: list[str]
    display_name: str = ""
    entity_uscc: str | None = None


class UserUpdate(BaseModel):
    """Only the fields sent are changed; `password` resets the password."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = None
    role: Role | None = None
    region_codes: list[str] | None = None
    entity_uscc: str | None = None
    active: bool | None = None
    password: str | None = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    token_prefix: str
    role: Role
    region_codes: list[str]
    created_by: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    region_codes: list[str]
    role: Role = Role.SYSTEM


class TokenCreated(BaseModel):
    token: TokenOut
    plaintext: str = Field(description="The token itself: shown in this answer only, store it now")


@api.get("/users", response_model=UserList)
def list_users(
    role: Role | None = None,
    region: str | None = Query(None, pattern=r"^\d{6}$"),
    active: bool | None = None,
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> UserList:
    filters = accounts.UserFilter(role=role, region_code=region, active=active)
    found = accounts.list_users(session, principal, filters, page, size)
    items = [UserOut.model_validate(u) for u in found.items]
    return UserList(items=items, total=found.total, page=found.number, size=found.size)


@api.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserCreate,
    request: Request,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> UserOut:
    user = accounts.create_account(
        session, principal, principal.actor(request_id(request)), **body.model_dump()
    )
    session.commit()
    return UserOut.model_validate(user)


@api.get("/users/{user_id}", response_model=UserOut)
def get_user(
    user_id: RecordId,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> UserOut:
    return UserOut.model_validate(accounts.get_user(session, principal, user_id))


@api.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: RecordId,
    body: UserUpdate,
    request: Request,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> UserOut:
    user = accounts.get_user(session, principal, user_id)
    changes = accounts.AccountChanges(
        display_name=body.display_name,
        role=body.role,
        region_codes=body.region_codes,
        change_entity_uscc="entity_uscc" in body.model_fields_set,
        entity_uscc=body.entity_uscc,
        active=body.active,
        password=body.password,
    )
    accounts.update_account(session, principal, principal.actor(request_id(request)), user, changes)
    session.commit()
    if body.password is not None:
        _keep_own_session(request, principal, user)
    return UserOut.model_validate(user)


@api.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in accounts.list_tokens(session, principal)]


@api.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    body: TokenCreate,
    request: Request,
    response: Response,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> TokenCreated:
    token, plaintext = accounts.issue_token(
        session, principal, principal.actor(request_id(request)), **body.model_dump()
    )
    session.commit()
    response.headers.update(NO_STORE)
    return TokenCreated(token=TokenOut.model_validate(token), plaintext=plaintext)


@api.post("/tokens/{token_id}/revoke", response_model=TokenOut)
def revoke_token(
    token_id: RecordId,
    request: Request,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
) -> TokenOut:
    token = accounts.revoke(session, principal, principal.actor(request_id(request)), token_id)
    session.commit()
    return TokenOut.model_validate(token)
