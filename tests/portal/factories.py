"""Factories for the portal: listings in a given state and decisions published or not, built
as the credit services leave them (the listing procedure is credit's; here only its outcome)."""

import datetime as dt
from itertools import count

from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.credit import publicity
from ipprotect.credit.models import CreditListing, CreditPublication, ListingClass, ListingStatus
from tests.factories import XIHU

D = dt.date.fromisoformat
_serial = count(900_000)


def listing(
    db: Session,
    name: str,
    uscc: str | None = None,
    status: ListingStatus = ListingStatus.LISTED,
    decided_on: str = "2025-11-03",
) -> CreditListing:
    row = CreditListing(
        entity_uscc=uscc,
        entity_name=name,
        region_code=XIHU,
        behaviour="deliberate_infringement",
        class_=ListingClass.SERIOUS,
        status=status,
        basis="《市场监督管理严重违法失信名单管理办法》第二条；联系人电话13812345678",
        measures=["government_procurement"],
        decided_on=D(decided_on),
        published_on=D(decided_on),
        publicity_min_until=D("2026-11-03"),
        publicity_max_until=D("2028-11-03"),
        document_no="杭西市监信〔2025〕第3号",
        authority="杭州市西湖区市场监督管理局",
    )
    db.add(row)
    db.flush()
    return row


PERSON_ID = "330106198005171234"


def decision(
    db: Session,
    name: str = "张某某",
    *,
    published_on: str | None = "2025-10-10",
    person: bool = True,
    uscc: str | None = None,
) -> CreditPublication:
    """A penalty decision against a natural person with ID number, phone and address."""
    serial = next(_serial)
    p = publicity.record_decision(
        db,
        audit.SYSTEM,
        publicity.Decision(
            source_kind=publicity.PENALTY_DECISION,
            source_id=serial,
            region_code=XIHU,
            party=publicity.Party(
                name,
                uscc=uscc,
                natural_person=person,
                resident_id=PERSON_ID if person else "",
                address="浙江省杭州市西湖区文三路90号3幢501室"
                if person
                else "杭州市西湖区龙井路1号",
                phone="13912345678",
            ),
            title="行政处罚决定书",
            document_no=f"杭西市监知执罚字〔2025〕第{serial}号",
            decided_on=D("2025-09-26"),
            authority="杭州市西湖区市场监督管理局",
            measures=["fine"],
            measure_texts=["罚款人民币30,000.00元（大写：人民币叁万元整）"],
            legal_basis="《中华人民共和国商标法》第六十条第二款",
            facts=f"当事人（身份证号{PERSON_ID}，电话13912345678）销售假冒注册商标的茶叶",
        ),
    )
    if published_on:
        p.published_on = D(published_on)
        db.flush()
    return p
