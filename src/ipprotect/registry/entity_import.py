"""Importing market entities (市场主体) from CSV or XLSX: their columns, in English or Chinese,
and how a row becomes an entity draft. The job and row machinery is `imports`."""

from dataclasses import replace

from sqlalchemy.orm import Session

from ipprotect.core.errors import FieldError
from ipprotect.core.tabular import Row
from ipprotect.registry import imports, repository, search, service
from ipprotect.registry.models import ENTITY_KIND_LABELS, EntityKind, MarketEntity
from ipprotect.web.i18n import N_

COLUMN_ALIASES = {
    "name": "name",
    "名称": "name",
    "企业名称": "name",
    "主体名称": "name",
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "kind": "kind",
    "类型": "kind",
    "主体类型": "kind",
    "region_code": "region_code",
    "行政区划代码": "region_code",
    "legal_representative": "legal_representative",
    "法定代表人": "legal_representative",
    "address": "address",
    "地址": "address",
    "住所": "address",
    "phone": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "email": "email",
    "邮箱": "email",
    "电子邮箱": "email",
}

KIND_ALIASES: dict[str, EntityKind] = {
    **{kind.value: kind for kind in EntityKind},
    **{label.lower(): kind for kind, label in ENTITY_KIND_LABELS.items()},
    "企业": EntityKind.COMPANY,
    "公司": EntityKind.COMPANY,
    "个体工商户": EntityKind.INDIVIDUAL_BUSINESS,
    "自然人": EntityKind.NATURAL_PERSON,
    "事业单位": EntityKind.PUBLIC_INSTITUTION,
    "社会组织": EntityKind.SOCIAL_ORGANISATION,
    "境外主体": EntityKind.FOREIGN,
    "其他": EntityKind.OTHER,
}

# Exports mask natural persons' phones and addresses with "*": such a cell is read as empty, so
# an edited export imported back can never overwrite personal data with its mask.
MASKABLE = {"phone", "address"}


def _cells(row: Row) -> imports.Cells:
    found = imports.cells(COLUMN_ALIASES, row, {"kind": KIND_ALIASES})
    return {f: v for f, v in found.items() if not (f in MASKABLE and "*" in v)}


def _find(session: Session, cells: imports.Cells) -> MarketEntity | None:
    code = search.normalise_code(cells.get("uscc", ""))
    return repository.entity_by_uscc(session, code) if code else None


def _new(cells: imports.Cells, default_region: str) -> service.EntityDraft:
    defaults = {"kind": EntityKind.COMPANY.value, "region_code": default_region}
    return service.EntityDraft(**(defaults | cells))


def _merged(entity: MarketEntity, cells: imports.Cells) -> service.EntityDraft:
    """The registered values with the row's non-empty cells on top (empty cells change nothing)."""
    return replace(service.entity_draft(entity), **cells)


IMPORTER = imports.Importer[MarketEntity, service.EntityDraft](
    job_kind="registry.import_entities",
    columns=COLUMN_ALIASES,
    required={"name": "name / 名称"},
    cells=_cells,
    find=_find,
    new=_new,
    merged=_merged,
    create=service.create_entity,
    update=service.update_entity,
    skipped=FieldError(
        "uscc",
        "duplicate_skipped",
        N_("An entity with this code is already registered; the row was skipped"),
    ),
    taken=FieldError("uscc", "uscc_taken", N_("Another entity already has this code")),
)
