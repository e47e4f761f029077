"""Importing hotline tickets (12345 government service hotline, 12330 IP protection hotline)
from their CSV or XLSX exports as cases, with the registry's import job machinery
(`registry.imports`): columns in English or Chinese, one job per region at a time, bad rows
reported with their number and skipped, a ticket imported once.

Every row must say when the ticket was received (`received_on`): the acceptance deadline runs
from that day, not from the day of the import.
"""

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import service
from ipprotect.cases.models import Case, Source
from ipprotect.core.auth import Principal
from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.tabular import Row
from ipprotect.registry import imports
from ipprotect.web.i18n import N_

COLUMN_ALIASES = {
    "hotline_ticket": "hotline_ticket",
    "ticket": "hotline_ticket",
    "工单编号": "hotline_ticket",
    "工单号": "hotline_ticket",
    "received_on": "received_on",
    "受理时间": "received_on",
    "来电时间": "received_on",
    "接收时间": "received_on",
    "登记时间": "received_on",
    "region_code": "region_code",
    "行政区划代码": "region_code",
    "区划代码": "region_code",
    "complainant_name": "complainant_name",
    "诉求人": "complainant_name",
    "来电人": "complainant_name",
    "投诉人": "complainant_name",
    "complainant_phone": "complainant_phone",
    "联系电话": "complainant_phone",
    "来电号码": "complainant_phone",
    "complainant_email": "complainant_email",
    "电子邮箱": "complainant_email",
    "respondent_name": "respondent_name",
    "被投诉方": "respondent_name",
    "被反映对象": "respondent_name",
    "respondent_uscc": "respondent_uscc",
    "统一社会信用代码": "respondent_uscc",
    "facts": "facts",
    "诉求内容": "facts",
    "工单内容": "facts",
    "反映内容": "facts",
    "amount_claimed": "amount_claimed",
    "诉求金额": "amount_claimed",
}

# Hotline systems write "2025/1/24 10:23:11" or "2025-01-24": the day is what counts.
_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?")


def _cells(row: Row) -> imports.Cells:
    found = imports.cells(COLUMN_ALIASES, row, {})
    day = _DAY.fullmatch(found.get("received_on", ""))
    if day is not None:
        year, month, dom = day.groups()
        found["received_on"] = f"{year}-{int(month):02d}-{int(dom):02d}"
    return found


def _new(cells: imports.Cells, default_region: str) -> service.CaseDraft:
    values: dict[str, Any] = {"region_code": default_region} | cells
    return service.CaseDraft(**values)


def _importer(source: Source) -> imports.Importer[Case, service.CaseDraft]:
    def find(session: Session, cells: imports.Cells) -> Case | None:
        ticket = cells.get("hotline_ticket", "")
        stmt = select(Case).where(Case.source == source, Case.hotline_ticket == ticket)
        return session.scalar(stmt) if ticket else None

    def create(
        session: Session, who: Principal, draft: service.CaseDraft, request_id: str | None
    ) -> Case:
        if not draft.received_on:
            raise invalid(
                [
                    FieldError(
                        "received_on",
                        "required",
                        N_("Say when the ticket was received: the deadline runs from that day"),
                    )
                ]
            )
        return service.receive(session, who, draft, source=source, request_id=request_id)

    def update(
        _session: Session,
        _who: Principal,
        _case: Case,
        _draft: service.CaseDraft,
        _request_id: str | None,
    ) -> Case:
        # A received complaint is a record of what was said: an import never rewrites it.
        raise invalid([TICKET_IMPORTED])

    return imports.Importer[Case, service.CaseDraft](
        job_kind=f"cases.import_{source.value}",
        columns=COLUMN_ALIASES,
        required={
            "hotline_ticket": "hotline_ticket / 工单编号",
            "received_on": "received_on / 受理时间",
            "facts": "facts / 诉求内容",
        },
        cells=_cells,
        find=find,
        new=_new,
        merged=lambda _case, cells: _new(cells, ""),
        create=create,
        update=update,
        skipped=TICKET_IMPORTED,
        taken=TICKET_IMPORTED,
    )


TICKET_IMPORTED = FieldError(
    "hotline_ticket",
    "ticket_imported",
    N_("This ticket is already imported; the row was skipped"),
)

IMPORTERS = {
    Source.HOTLINE_12345: _importer(Source.HOTLINE_12345),
    Source.HOTLINE_12330: _importer(Source.HOTLINE_12330),
}
