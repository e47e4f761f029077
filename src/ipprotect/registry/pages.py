"""Registry pages: lists with filters and exports, detail pages with history, forms that show each
error next to its field, the import upload and the job page that follows its progress."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ipprotect.core import ids, jobs, tabular
from ipprotect.core.auth import Principal
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.core.scope import NATIONAL
from ipprotect.registry import access, entity_import, imports, repository, right_import, service
from ipprotect.registry.models import (
    ENTITY_KIND_LABELS,
    RIGHT_KIND_LABELS,
    RIGHT_STATUS_LABELS,
    EntityKind,
    IpRight,
    MarketEntity,
    RightKind,
)
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, get_locale, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False)

reader = require(*access.READ_ROLES)
writer = require(*access.WRITE_ROLES)

ENTITY_FIELDS = [f.name for f in fields(service.EntityDraft)]
RIGHT_FIELDS = [f.name for f in fields(service.RightDraft)]
# Personal data of natural persons, masked in the history for those who may not see it.
PERSONAL_FIELDS = {"address", "phone"}

FIELD_LABELS = {
    "name": N_("Name"),
    "uscc": N_("Unified social credit code"),
    "kind": N_("Kind"),
    "region_code": N_("Region code"),
    "legal_representative": N_("Legal representative"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "resident_id": N_("Resident ID number"),
    "number": N_("Number"),
    "title": N_("Title"),
    "owner_id": N_("Owner (market entity number)"),
    "owner_uscc": N_("Owner's unified social credit code"),
    "nice_classes": N_("Nice classes"),
    "patent_kind": N_("Patent kind"),
    "filed_on": N_("Filed on"),
    "granted_on": N_("Granted or registered on"),
    "expires_on": N_("Expires on"),
    "status": N_("Status"),
    "file": N_("File"),
}
LABELS = {
    "field_labels": FIELD_LABELS,
    "action_labels": {
        "entity.create": N_("Record created"),
        "entity.update": N_("Record changed"),
        "right.create": N_("Record created"),
        "right.update": N_("Record changed"),
    },
    "patent_kind_labels": {
        "invention": N_("Invention"),
        "utility_model": N_("Utility model"),
        "design": N_("Design"),
    },
    "job_status_labels": {
        "queued": N_("Waiting to start"),
        "running": N_("Running"),
        "succeeded": N_("Finished"),
        "failed": N_("Failed"),
    },
    "count_labels": {
        "created": N_("Added"),
        "updated": N_("Updated"),
        "skipped": N_("Skipped"),
        "failed": N_("Not imported"),
    },
}


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return render(request, name, status_code, **LABELS, **context)


def _export_urls(path: str, filters: dict[str, str]) -> dict[str, str]:
    """Export links that carry the list's current filters."""
    kept = {k: v for k, v in filters.items() if v}
    return {fmt: f"{path}?{urlencode({'format': fmt, **kept})}" for fmt in ("csv", "xlsx")}


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _flash(request: Request, message: str, warnings: list[FieldError] | None = None) -> None:
    request.session["flash"] = message
    request.session["flash_warnings"] = [w.text(gettext) for w in warnings or []]


def _take_flash(request: Request) -> dict[str, Any]:
    return {
        "flash": request.session.pop("flash", None),
        "flash_warnings": request.session.pop("flash_warnings", []),
    }


def _scope_code(prefix: str) -> str:
    return prefix.ljust(6, "0") if prefix else NATIONAL


def region_options(who: Principal) -> list[tuple[str, str]]:
    """The caller's regions and the regions one level below them, for filters and pickers."""
    locale = get_locale()
    options: list[tuple[str, str]] = []
    for prefix in sorted(who.scope.prefixes):
        code = _scope_code(prefix)
        if code != NATIONAL:
            options.append((code, ids.region_name(code, locale)))
        for child in ids.regions_under(code):
            if child.grouping:  # 市辖区: its districts are what people pick
                options += [
                    (r.code, ids.region_name(r.code, locale)) for r in ids.regions_under(child.code)
                ]
            else:
                options.append((child.code, ids.region_name(child.code, locale)))
    return options


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(key.value, gettext(label)) for key, label in labels.items()]


def _history(
    session: Session, object_type: str, object_id: int, mask: bool
) -> list[dict[str, Any]]:
    rows = []
    for event in repository.history(session, object_type, object_id):
        before, after = event.before or {}, event.after or {}
        changes = []
        for key in after:
            old, new = before.get(key), after.get(key)
            if mask and key in PERSONAL_FIELDS:
                old, new = ("****" if old else old), ("****" if new else new)
            changes.append((key, old, new))
        rows.append({"event": event, "changes": changes})
    return rows


# ---------------------------------------------------------------- imports


@dataclass(frozen=True)
class ImportPage:
    """What the import form and the job page say about one kind of record (msgids)."""

    importer: imports.Importer[Any, Any]
    list_path: str  # the list the records join; the form is at list_path + "/import"
    title: str
    columns: str  # the paragraph that names the columns
    duplicate: str  # the question what to do with a record already registered
    update: str  # the answer that updates it
    back: str  # the link back to the list


ENTITY_IMPORT = ImportPage(
    importer=entity_import.IMPORTER,
    list_path="/registry/entities",
    title=N_("Import market entities"),
    columns=N_(
        "A CSV file (UTF-8 or GB18030) or an XLSX file whose first row names the columns, in "
        "English or Chinese: name (名称), uscc (统一社会信用代码), kind (类型), region_code "
        "(行政区划代码), legal_representative (法定代表人), address (地址), phone (电话), "
        "email (邮箱)."
    ),
    duplicate=N_("When the credit code is already registered"),
    update=N_("Update the registered entity"),
    back=N_("Back to the market entities"),
)
RIGHT_IMPORT = ImportPage(
    importer=right_import.IMPORTER,
    list_path="/registry/rights",
    title=N_("Import IP rights"),
    columns=N_(
        "A CSV file (UTF-8 or GB18030) or an XLSX file whose first row names the columns, in "
        "English or Chinese: kind (类型: 专利, 商标, 地理标志, 著作权, 商业秘密, 植物新品种), "
        "number (申请号, 注册号 or 登记号), title (名称), owner_uscc (权利人统一社会信用代码) or "
        "owner_id, nice_classes (尼斯分类, e.g. 30, 35), filed_on (申请日), granted_on (授权日 or "
        "注册日), expires_on (到期日), status (状态), region_code (行政区划代码). Dates as "
        "2024-01-31 or 2024/1/31. The owner must be a registered market entity of your area; a "
        "right without a region takes the region chosen below, else its owner's."
    ),
    duplicate=N_("When a right of the same kind and number is already registered"),
    update=N_("Update the registered right"),
    back=N_("Back to the IP rights"),
)
IMPORT_PAGES = {page.importer.job_kind: page for page in (ENTITY_IMPORT, RIGHT_IMPORT)}


def _import_form(
    request: Request,
    who: Principal,
    page: ImportPage,
    values: dict[str, str],
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        "registry/import.html",
        status_code=status_code,
        page=page,
        values=values,
        errors=field_errors(errors),
        region_options=[("", gettext("As given in each row")), *region_options(who)],
        duplicate_options=[
            (imports.OnDuplicate.SKIP.value, gettext("Skip the row and note it")),
            (imports.OnDuplicate.UPDATE.value, gettext(page.update)),
        ],
    )


StartImport = Callable[[ImportPage], Response]


def _import_upload(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile | None = File(None),
    region_code: str = Form(""),
    on_duplicate: str = Form(imports.OnDuplicate.SKIP.value),
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> StartImport:
    """The upload every import form posts; call the result with the page to queue the job and
    go to its page, or to show the form again with the errors next to their fields."""
    region_code = region_code.strip()
    duplicates = (
        imports.OnDuplicate.UPDATE
        if on_duplicate == imports.OnDuplicate.UPDATE.value
        else imports.OnDuplicate.SKIP
    )

    def start(page: ImportPage) -> Response:
        try:
            if file is None or not file.filename:
                raise invalid([FieldError("file", "required", N_("This field is required"))])
            job, work = imports.queue(
                session,
                page.importer,
                who,
                file.file.read(),
                file.filename,
                max_rows=settings.max_import_rows,
                default_region=region_code,
                on_duplicate=duplicates,
                request_id=rid,
            )
        except Problem as problem:
            if problem.status != 422:
                raise
            values = {"region_code": region_code, "on_duplicate": duplicates.value}
            return _import_form(request, who, page, values, problem.errors, 422)
        background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
        return RedirectResponse(f"/registry/jobs/{job.id}", status_code=303)

    return start


# Declared before the detail routes, whose {entity_id} and {right_id} would take "import".
@router.get("/registry/entities/import", response_class=HTMLResponse)
def entity_import_form(request: Request, who: Principal = Depends(writer)) -> Response:
    return _import_form(request, who, ENTITY_IMPORT, {}, [])


@router.get("/registry/rights/import", response_class=HTMLResponse)
def right_import_form(request: Request, who: Principal = Depends(writer)) -> Response:
    return _import_form(request, who, RIGHT_IMPORT, {}, [])


@router.post("/registry/entities/import", response_class=HTMLResponse)
def entity_import_upload(start: StartImport = Depends(_import_upload)) -> Response:
    return start(ENTITY_IMPORT)


@router.post("/registry/rights/import", response_class=HTMLResponse)
def right_import_upload(start: StartImport = Depends(_import_upload)) -> Response:
    return start(RIGHT_IMPORT)


# ---------------------------------------------------------------- entities


@router.get("/registry/entities", response_class=HTMLResponse)
def entity_list(
    request: Request,
    q: str = Query("", max_length=200),
    kind: str = "",
    region: str = Query("", max_length=6),
    match: str = "auto",
    page: int = Query(1, ge=1),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    filters = repository.EntityFilters(
        q=q,
        kind=EntityKind(kind) if kind in set(EntityKind) else None,
        region=region if ids.is_region_code(region) else "",
        match="contains" if match == "contains" else "auto",
    )
    result = repository.list_entities(session, who, filters, page, settings.page_size)
    export = {
        "q": filters.q,
        "kind": filters.kind.value if filters.kind else "",
        "region": filters.region,
        "match": filters.match,
    }
    return _render(
        request,
        "registry/entities.html",
        page=result,
        filters=filters,
        kind_labels=ENTITY_KIND_LABELS,
        kind_options=[("", gettext("All kinds")), *_choices(ENTITY_KIND_LABELS)],
        region_options=[("", gettext("All regions")), *region_options(who)],
        region_name=lambda code: ids.region_name(code, get_locale()),
        export_urls=_export_urls("/api/v1/registry/entities/export", export),
        may_write=access.may_write(who),
        **_take_flash(request),
    )


def _entity_form(
    request: Request,
    draft: service.EntityDraft,
    entity: MarketEntity | None,
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        "registry/entity_form.html",
        status_code=status_code,
        draft=draft,
        entity=entity,
        errors=field_errors(errors),
        kind_options=_choices(ENTITY_KIND_LABELS),
    )


def _entity_draft(values: dict[str, str]) -> service.EntityDraft:
    return service.EntityDraft(**{name: values.get(name, "") for name in ENTITY_FIELDS})


@router.get("/registry/entities/new", response_class=HTMLResponse)
def entity_new(request: Request, who: Principal = Depends(writer)) -> Response:
    return _entity_form(request, service.EntityDraft(), None, [])


@router.post("/registry/entities/new", response_class=HTMLResponse)
def entity_create(
    request: Request,
    values: dict[str, str] = Depends(form_values),
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    draft = _entity_draft(values)
    try:
        saved = service.create_entity(session, who, draft, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _entity_form(request, draft, None, problem.errors, 422)
    session.commit()
    _flash(request, gettext("The market entity was registered."), saved.warnings)
    return RedirectResponse(f"/registry/entities/{saved.record.id}", status_code=303)


@router.get("/registry/entities/{entity_id}", response_class=HTMLResponse)
def entity_detail(
    request: Request,
    entity_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    entity = repository.get_entity(session, who, entity_id)
    reveal = access.may_reveal(who)
    rights = repository.list_rights(
        session, who, repository.RightFilters(owner_id=entity.id), 1, 200
    )
    return _render(
        request,
        "registry/entity.html",
        entity=entity,
        personal=access.personal_data(entity, reveal),
        kind_label=gettext(ENTITY_KIND_LABELS[entity.kind]),
        region=ids.region_name(entity.region_code, get_locale()),
        rights=rights,
        right_kind_labels=RIGHT_KIND_LABELS,
        status_labels=RIGHT_STATUS_LABELS,
        history=_history(
            session,
            "market_entity",
            entity.id,
            mask=not reveal and entity.kind is EntityKind.NATURAL_PERSON,
        ),
        may_write=access.may_write(who),
        **_take_flash(request),
    )


@router.get("/registry/entities/{entity_id}/edit", response_class=HTMLResponse)
def entity_edit(
    request: Request,
    entity_id: RecordId,
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
) -> Response:
    entity = repository.get_entity(session, who, entity_id)
    return _entity_form(request, service.entity_draft(entity), entity, [])


@router.post("/registry/entities/{entity_id}/edit", response_class=HTMLResponse)
def entity_update(
    request: Request,
    entity_id: RecordId,
    values: dict[str, str] = Depends(form_values),
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    entity = repository.get_entity(session, who, entity_id)
    draft = _entity_draft(values)
    try:
        saved = service.update_entity(session, who, entity, draft, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _entity_form(request, draft, entity, problem.errors, 422)
    session.commit()
    _flash(request, gettext("The changes were saved."), saved.warnings)
    return RedirectResponse(f"/registry/entities/{entity.id}", status_code=303)


# ---------------------------------------------------------------- rights


@router.get("/registry/rights", response_class=HTMLResponse)
def right_list(
    request: Request,
    q: str = Query("", max_length=200),
    kind: str = "",
    nice_class: str = "",
    region: str = Query("", max_length=6),
    page: int = Query(1, ge=1),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    klass = int(nice_class) if nice_class.isdigit() and 1 <= int(nice_class) <= 45 else None
    filters = repository.RightFilters(
        q=q,
        kind=RightKind(kind) if kind in set(RightKind) else None,
        nice_class=klass,
        region=region if ids.is_region_code(region) else "",
    )
    result = repository.list_rights(session, who, filters, page, settings.page_size)
    export = {
        "q": filters.q,
        "kind": filters.kind.value if filters.kind else "",
        "nice_class": str(klass or ""),
        "region": filters.region,
    }
    return _render(
        request,
        "registry/rights.html",
        page=result,
        filters=filters,
        kind_labels=RIGHT_KIND_LABELS,
        status_labels=RIGHT_STATUS_LABELS,
        kind_options=[("", gettext("All kinds")), *_choices(RIGHT_KIND_LABELS)],
        region_options=[("", gettext("All regions")), *region_options(who)],
        export_urls=_export_urls("/api/v1/registry/rights/export", export),
        may_write=access.may_write(who),
    )


def _right_form(
    request: Request,
    session: Session,
    who: Principal,
    draft: service.RightDraft,
    right: IpRight | None,
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    owner = None
    if draft.owner_id.strip().isdigit():
        try:
            owner = repository.get_entity(session, who, int(draft.owner_id))
        except Problem:
            owner = None
    return _render(
        request,
        "registry/right_form.html",
        status_code=status_code,
        draft=draft,
        right=right,
        owner=owner,
        errors=field_errors(errors),
        kind_options=_choices(RIGHT_KIND_LABELS),
        status_options=_choices(RIGHT_STATUS_LABELS),
    )


def _right_draft(values: dict[str, str]) -> service.RightDraft:
    return service.RightDraft(**{name: values.get(name, "") for name in RIGHT_FIELDS})


@router.get("/registry/rights/new", response_class=HTMLResponse)
def right_new(
    request: Request,
    owner_id: str = "",
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
) -> Response:
    draft = service.RightDraft(kind=RightKind.TRADEMARK.value, owner_id=owner_id)
    return _right_form(request, session, who, draft, None, [])


@router.post("/registry/rights/new", response_class=HTMLResponse)
def right_create(
    request: Request,
    values: dict[str, str] = Depends(form_values),
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    draft = _right_draft(values)
    try:
        right = service.create_right(session, who, draft, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _right_form(request, session, who, draft, None, problem.errors, 422)
    session.commit()
    _flash(request, gettext("The IP right was registered."))
    return RedirectResponse(f"/registry/rights/{right.id}", status_code=303)


@router.get("/registry/rights/{right_id}", response_class=HTMLResponse)
def right_detail(
    request: Request,
    right_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    right = repository.get_right(session, who, right_id)
    return _render(
        request,
        "registry/right.html",
        right=right,
        kind_label=gettext(RIGHT_KIND_LABELS[right.kind]),
        status_label=gettext(RIGHT_STATUS_LABELS[right.status]),
        region=ids.region_name(right.region_code, get_locale()),
        history=_history(session, "ip_right", right.id, mask=False),
        may_write=access.may_write(who),
        **_take_flash(request),
    )


@router.get("/registry/rights/{right_id}/edit", response_class=HTMLResponse)
def right_edit(
    request: Request,
    right_id: RecordId,
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
) -> Response:
    right = repository.get_right(session, who, right_id)
    return _right_form(request, session, who, service.right_draft(right), right, [])


@router.post("/registry/rights/{right_id}/edit", response_class=HTMLResponse)
def right_update(
    request: Request,
    right_id: RecordId,
    values: dict[str, str] = Depends(form_values),
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    right = repository.get_right(session, who, right_id)
    draft = _right_draft(values)
    try:
        service.update_right(session, who, right, draft, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _right_form(request, session, who, draft, right, problem.errors, 422)
    session.commit()
    _flash(request, gettext("The changes were saved."))
    return RedirectResponse(f"/registry/rights/{right.id}", status_code=303)


# ---------------------------------------------------------------- jobs


def _job_context(job: jobs.Job) -> dict[str, Any]:
    def rows(key: str) -> list[tuple[int, str, str]]:
        """(row number, translated field label, translated reason)."""
        return [
            (
                issue.row,
                gettext(FIELD_LABELS.get(issue.error.field, issue.error.field)),
                issue.error.text(gettext),
            )
            for issue in imports.issues(job, key)
        ]

    return {
        "job": job,
        "job_path": f"/registry/jobs/{job.id}",  # the page, its progress and its errors.csv
        "page": IMPORT_PAGES.get(job.kind, ENTITY_IMPORT),
        "finished": job.finished_at is not None,
        "errors": rows("errors"),
        "notes": rows("notes"),
    }


@router.get("/registry/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    job = repository.get_job(session, who, job_id)
    return _render(request, "registry/job.html", **_job_context(job))


@router.get("/registry/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    """The fragment the job page polls while the job runs."""
    job = repository.get_job(session, who, job_id)
    return _render(request, "registry/_job_progress.html", **_job_context(job))


@router.get("/registry/jobs/{job_id}/errors.csv")
def job_errors(
    job_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    return job_errors_csv(repository.get_job(session, who, job_id))


def job_errors_csv(job: jobs.Job) -> Response:
    """The rows an import job reported, as the CSV its page offers for download."""
    body = tabular.export_bytes("csv", imports.ISSUE_COLUMNS, imports.issue_rows(job, gettext))
    return Response(
        body,
        media_type=tabular.MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
    )
