"""Factories for cases: valid complaints, received through the service."""

from typing import Any

from sqlalchemy.orm import Session

from ipprotect.cases import service
from ipprotect.cases.models import Case, Source
from ipprotect.registry import access
from tests.factories import XIHU


def make_case(db: Session, *, source: Source = Source.API, **fields: Any) -> Case:
    draft = service.CaseDraft(
        region_code=fields.pop("region_code", XIHU),
        complainant_name=fields.pop("complainant_name", "张三"),
        complainant_phone=fields.pop("complainant_phone", "13812345678"),
        respondent_name=fields.pop("respondent_name", "某某商贸有限公司"),
        facts=fields.pop("facts", "销售假冒注册商标的茶叶"),
        **fields,
    )
    return service.receive(db, access.PLATFORM, draft, source=source)
