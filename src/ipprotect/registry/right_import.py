"""Importing IP rights from CSV or XLSX: their columns, in English or Chinese, and how a row
becomes a right draft. The job and row machinery is `imports`.

The owner is named by its unified social credit code (or its number in the registry) and must be
an entity the importer may see; a right is the same right when its kind and number are.
"""

import enum
from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.orm import Session

from ipprotect.core.errors import FieldError
from ipprotect.core.tabular import Row
from ipprotect.registry import imports, repository, service
from ipprotect.registry.models import RIGHT_KIND_LABELS, RIGHT_STATUS_LABELS, IpRight
from ipprotect.web.i18n import N_, catalog

COLUMN_ALIASES = {
    "kind": "kind",
    "类型": "kind",
    "权利类型": "kind",
    "number": "number",
    "申请号": "number",
    "专利号": "number",
    "注册号": "number",
    "登记号": "number",
    "编号": "number",
    "title": "title",
    "名称": "title",
    "owner_uscc": "owner_uscc",
    "权利人统一社会信用代码": "owner_uscc",
    "统一社会信用代码": "owner_uscc",
    "owner_id": "owner_id",
    "权利人编号": "owner_id",
    "nice_classes": "nice_classes",
    "尼斯分类": "nice_classes",
    "类别": "nice_classes",
    "filed_on": "filed_on",
    "申请日": "filed_on",
    "granted_on": "granted_on",
    "授权日": "granted_on",
    "注册日": "granted_on",
    "expires_on": "expires_on",
    "到期日": "expires_on",
    "status": "status",
    "状态": "status",
    "法律状态": "status",
    "region_code": "region_code",
    "行政区划代码": "region_code",
}


Choice = TypeVar("Choice", bound=enum.StrEnum)


def _aliases(labels: Mapping[Choice, str]) -> dict[str, str]:
    """A choice by its English value, its English label or its Chinese label as the pages show
    it (the zh_CN catalog), so a sheet copied from a page imports back."""
    chinese = catalog("zh_CN")
    aliases: dict[str, str] = {}
    for choice, label in labels.items():
        for name in (choice.value, label, chinese.get(label, label)):
            aliases[name.lower()] = choice.value
    return aliases


CHOICES = {
    "kind": _aliases(RIGHT_KIND_LABELS),
    "status": _aliases(RIGHT_STATUS_LABELS),
}


def _cells(row: Row) -> imports.Cells:
    return imports.cells(COLUMN_ALIASES, row, CHOICES)


def _find(session: Session, cells: imports.Cells) -> IpRight | None:
    return repository.right_by_number(session, cells.get("kind", ""), cells.get("number", ""))


def _new(cells: imports.Cells, default_region: str) -> service.RightDraft:
    """Without a region in the row or for the job, the right takes its owner's region."""
    return service.RightDraft(**({"region_code": default_region} | cells))


def _merged(right: IpRight, cells: imports.Cells) -> service.RightDraft:
    """The registered values with the row's non-empty cells on top (empty cells change nothing);
    an owner named by credit code replaces the registered owner."""
    if "owner_uscc" in cells and "owner_id" not in cells:
        cells = {**cells, "owner_id": ""}
    return replace(service.right_draft(right), **cells)


IMPORTER = imports.Importer[IpRight, service.RightDraft](
    job_kind="registry.import_rights",
    columns=COLUMN_ALIASES,
    required={"kind": "kind / 类型", "title": "title / 名称"},
    cells=_cells,
    find=_find,
    new=_new,
    merged=_merged,
    create=service.create_right,
    update=service.update_right,
    skipped=FieldError(
        "number",
        "duplicate_skipped",
        N_("A right of this kind with this number is already registered; the row was skipped"),
    ),
    taken=FieldError("number", "number_taken", N_("This number is already registered")),
)
