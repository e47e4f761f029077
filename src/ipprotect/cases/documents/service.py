"""Issuing case documents: the only writer of `case_documents` and `document_counters`.

An officer issues a document of a kind the case's current step allows (`kinds.ALLOWED`), filled
from the case, its respondent in the registry, the step's data (the penalty decided, the ruling)
and what the officer types. Everything is validated and every rule read before the first write;
then, in the caller's transaction, the document takes the next number of its authority, kind and
year, is rendered, stored in the blob store and deposited in the evidence log (kind `decision`
or `document`), and audited. The caller commits once: the number, the document and its log entry
are committed together, and the caller answers only after that commit, as the deposit API does.
(The deposit API's group commit is not used: it commits in a session of its own, which would
split the document from its deposit.)

A penalty decision that is published (all but a warning alone, publicity.warning_only_published)
gets its publicity deadline: publicity.dual_publicity working days from the day of the decision
on the official calendar, provisional in a year whose calendar is not announced yet.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.documents import chinese, numbering, render
from ipprotect.cases.documents.kinds import ALLOWED, SPECS, DocumentKind, Spec
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.cases.models import Case, Channel
from ipprotect.core import audit, rules, scope
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar import Due, Period, due_date
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.days import today
from ipprotect.core.errors import FieldError, Problem, conflict, forbidden, invalid, not_found
from ipprotect.credit import publicity as credit_publicity
from ipprotect.credit import service as credit_service
from ipprotect.credit.models import RecordKind
from ipprotect.db import utcnow
from ipprotect.evidence import deposits, records
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry.models import EntityKind, MarketEntity
from ipprotect.registry.repository import entity_by_uscc
from ipprotect.web.i18n import N_

ISSUERS = access.HANDLERS
READERS = (*access.HANDLERS, Role.MEDIATOR)  # a mediator: of the cases assigned to them
PUBLICITY_READERS = (*access.HANDLERS, Role.CREDIT_OFFICER)

MEASURES = ("order_to_stop", "warning", "confiscate_goods", "confiscate_gains", "fine")


@dataclass
class DocumentDraft:
    """What the officer asks for: the kind, the day of issue (today by default) and the texts
    the kind's `inputs` name."""

    kind: str
    issued_on: dt.date | None = None
    values: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- reads


def get_case(session: Session, who: Principal, case_id: int) -> Case:
    """A case whose documents the caller may see: an officer or administrator of its region, or
    the mediator assigned to it. Anyone else: not found."""
    if who.role not in READERS:
        raise not_found("case")
    return channels.get_case(session, who, case_id)


def documents_of(session: Session, case: Case) -> list[CaseDocument]:
    stmt = select(CaseDocument).where(CaseDocument.case_id == case.id).order_by(CaseDocument.id)
    return list(session.scalars(stmt))


def get_document(session: Session, case: Case, document_id: int) -> CaseDocument:
    document = session.get(CaseDocument, document_id)
    if document is None or document.case_id != case.id:
        raise not_found("document")
    return document


def may_issue(who: Principal, step: CaseStep) -> bool:
    """Officers and administrators issue; the mediator assigned to a mediation issues its
    agreement too."""
    if who.role in ISSUERS:
        return True
    return (
        who.role is Role.MEDIATOR
        and step.channel is Channel.MEDIATION
        and step.assignee_id == who.user_id
    )


def issuable(session: Session, who: Principal, case: Case) -> list[Spec]:
    """The kinds the caller may issue now: allowed at the current step, not yet issued there."""
    step = channels.current_step(session, case)
    if step is None or not may_issue(who, step):
        return []
    done = set(session.scalars(select(CaseDocument.kind).where(CaseDocument.step_id == step.id)))
    kinds = ALLOWED.get((step.channel.value, step.step), ())
    return [SPECS[k] for k in kinds if k.value not in done]


@dataclass(frozen=True)
class PublicityItem:
    document: CaseDocument
    overdue: bool


def publicity_due(
    session: Session, who: Principal, on: dt.date, until: dt.date | None = None
) -> list[PublicityItem]:
    """The penalty decisions to publish (双公示) in the caller's scope, the nearest deadline
    first; with `until`, those due by that day. Overdue: the deadline is before `on`. Once
    published or withdrawn (credit's publication), a decision is no longer to publish."""
    if who.role not in PUBLICITY_READERS:
        raise forbidden()
    unpublished = credit_publicity.pending_penalty_decisions().subquery().c.source_id
    stmt = (
        select(CaseDocument)
        .where(CaseDocument.publicity_due.is_not(None))
        .where(CaseDocument.id.in_(select(unpublished)))
        .order_by(CaseDocument.publicity_due, CaseDocument.id)
    )
    if until is not None:
        stmt = stmt.where(CaseDocument.publicity_due <= until)
    stmt = scope.apply(stmt, CaseDocument.region_code, who.scope)
    items = []
    for document in session.scalars(stmt):
        assert document.publicity_due is not None  # filtered above
        items.append(PublicityItem(document, document.publicity_due < on))
    return items


# ---------------------------------------------------------------- validation


def _kind(raw: str) -> DocumentKind:
    try:
        return DocumentKind(raw)
    except ValueError:
        raise invalid(
            [FieldError("kind", "invalid_choice", N_("Choose one of the listed values"))]
        ) from None


def _texts(spec: Spec, values: dict[str, str]) -> dict[str, str]:
    errors: list[FieldError] = []
    texts = {}
    for item in spec.inputs:
        text = (values.get(item.name) or "").strip()
        if not text:
            errors.append(FieldError(item.name, "required", N_("This field is required")))
        elif len(text) > item.limit:
            errors.append(
                FieldError(
                    item.name,
                    "too_long",
                    N_("At most {max} characters, please"),
                    {"max": item.limit},
                )
            )
        texts[item.name] = text
    errors += [
        FieldError(name, "unknown_field", N_("This document does not take this field"))
        for name in sorted(set(values) - set(texts))
    ]
    if errors:
        raise invalid(errors)
    return texts


def _issue_day(on: dt.date | None, step: CaseStep) -> dt.date:
    day = on or today()
    if day > today():
        raise invalid([FieldError("issued_on", "in_future", N_("The date is in the future"))])
    if day < step.started_on:
        raise invalid(
            [
                FieldError(
                    "issued_on",
                    "before_previous_step",
                    N_("The date is before the current step began ({date})"),
                    {"date": step.started_on.isoformat()},
                )
            ]
        )
    return day


def _incomplete(what: str) -> Problem:
    return conflict(
        "step_data_incomplete",
        N_("The step does not hold what the document needs; record the decision first"),
        what,
    )


def _text_of(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _incomplete(key)
    return value.strip()


def _fen(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _incomplete(key)
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise _incomplete(key)
    return value


def _step_data(step: CaseStep, key: str) -> dict[str, Any]:
    data = (step.data or {}).get(key)
    if not isinstance(data, dict):
        raise _incomplete(key)
    return data


# ---------------------------------------------------------------- rules


def _period(rule_id: str, on: dt.date, region: str) -> Period:
    try:
        return Period.from_dict(rules.period(rule_id, on=on, region=region))
    except rules.RuleNotFound:
        raise invalid(
            [
                FieldError(
                    "issued_on",
                    "no_rule_in_force",
                    N_("No version of rule {rule} was in force on {date}"),
                    {"rule": rule_id, "date": on.isoformat()},
                )
            ]
        ) from None


def _quoted(rule_id: str, on: dt.date, region: str) -> str:
    """A period as the document quotes it, from the rule in force on the issue day."""
    period = _period(rule_id, on, region)
    return chinese.period_text(period.amount, period.unit.value)


def publicity_deadline(session: Session, on: dt.date, region: str) -> Due:
    """双公示: the decision is published within the rule's working days of the decision day."""
    period = _period("publicity.dual_publicity", on, region)
    return due_date(on, period, work_calendar(session))


# ---------------------------------------------------------------- contents


def _party(session: Session, case: Case) -> dict[str, str]:
    """The respondent as printed: the registry's record when the case names a registered
    entity (address and legal representative come from it), else as the case describes it."""
    entity = entity_by_uscc(session, case.respondent_uscc) if case.respondent_uscc else None
    return {
        "name": entity.name if entity else case.respondent_name,
        "uscc": case.respondent_uscc or "",
        "address": (entity.address or "") if entity else "",
        "legal_representative": (entity.legal_representative or "") if entity else "",
    }


def _measures(decision: dict[str, Any]) -> tuple[list[str], list[dict[str, str]]]:
    raw = decision.get("measures")
    if not isinstance(raw, list) or not raw or not set(raw) <= set(MEASURES):
        raise _incomplete("measures")
    chosen = [m for m in MEASURES if m in raw]
    texts = []
    for measure in chosen:
        if measure == "order_to_stop":
            texts.append("责令立即停止侵权行为")
        elif measure == "warning":
            texts.append("警告")
        elif measure == "confiscate_goods":
            texts.append(f"没收{_text_of(decision, 'confiscated_goods')}")
        elif measure == "confiscate_gains":
            gains = _fen(decision, "illegal_gains_fen")
            texts.append(
                f"没收违法所得人民币{chinese.figures(gains)}元（大写：{chinese.capitals(gains)}）"
            )
        else:
            fine = _fen(decision, "fine_fen")
            texts.append(f"罚款人民币{chinese.figures(fine)}元（大写：{chinese.capitals(fine)}）")
    numbered = [{"ordinal": chinese.ordinal(i), "text": t} for i, t in enumerate(texts, 1)]
    return chosen, numbered


def _contents(
    session: Session,
    spec: Spec,
    case: Case,
    step: CaseStep,
    texts: dict[str, str],
    day: dt.date,
) -> dict[str, Any]:
    """What the kind's template is filled from, besides the header."""
    region = case.region_code
    contents: dict[str, Any] = {
        **texts,
        "respondent": _party(session, case),
        "complainant": {"name": case.complainant_name},
    }
    if spec.kind is DocumentKind.PENALTY_DECISION:
        decision = _step_data(step, "decision")
        chosen, numbered = _measures(decision)
        payable = {"fine", "confiscate_gains"} & set(chosen)
        contents |= {
            "measures": numbered,
            "measure_ids": chosen,
            "legal_basis": _text_of(decision, "legal_basis"),
            # Administrative Penalty Law 2021 art. 67: pay within 15 days of receipt.
            "payment": _quoted("penalties.fine_payment", day, region) if payable else "",
            # Administrative Reconsideration Law 2023 art. 20; Administrative Litigation Law
            # art. 46: the decision states both remedies and their periods (APL art. 59(5)).
            "reconsideration": _quoted("remedies.reconsideration", day, region),
            "lawsuit": _quoted("remedies.lawsuit", day, region),
        }
    elif spec.kind is DocumentKind.RULING:
        ruling = _step_data(step, "ruling")
        contents |= {
            "infringement_found": _flag(ruling, "infringement_found"),
            "order_to_stop": _flag(ruling, "order_to_stop"),
            "reasons": _text_of(ruling, "reasons"),
            "legal_basis": _text_of(ruling, "legal_basis"),
            # Patent Law 2020 art. 65: sue within 15 days of receiving the ruling.
            "sue": _quoted("adjudication.patent.sue_after_decision", day, region),
        }
    elif spec.kind is DocumentKind.MEDIATION_AGREEMENT:
        # The law, not the officer, decided at the step whether the agreement can be confirmed.
        ownership = step.step == "agreed_on_ownership"
        contents |= {
            "decides_ownership": ownership,
            "confirmation_window": ""
            if ownership
            else _quoted("mediation.judicial_confirmation_window", day, region),
        }
    else:
        contents |= {"police_review": _quoted("criminal_transfer.police_review", day, region)}
    return contents


# ---------------------------------------------------------------- issuing


def issue(
    session: Session,
    who: Principal,
    case: Case,
    draft: DocumentDraft,
    store: BlobStore,
    request_id: str | None = None,
) -> CaseDocument:
    """Issue a document at the case's current step. Raises 403, 409 or 422 problems before
    writing anything. Flushes; the caller commits."""
    step = channels.current_step(session, case)
    if step is None:
        raise conflict("not_in_channel", N_("The case is not in a channel"))
    if not may_issue(who, step):
        raise forbidden()
    kind = _kind(draft.kind)
    if kind not in ALLOWED.get((step.channel.value, step.step), ()):
        raise conflict(
            "document_not_allowed", N_("This document cannot be issued at the case's step")
        )
    if session.scalar(
        select(CaseDocument.id).where(
            CaseDocument.step_id == step.id, CaseDocument.kind == kind.value
        )
    ):
        raise conflict("already_issued", N_("This document was already issued at this step"))
    spec = SPECS[kind]
    texts = _texts(spec, draft.values)
    day = _issue_day(draft.issued_on, step)
    scheme = numbering.configured()
    authority = scheme.authority_for(case.region_code)
    if authority is None:
        raise conflict(
            "no_authority",
            N_("No issuing authority is configured for the case's region"),
            case.region_code,
        )
    contents = _contents(session, spec, case, step, texts, day)
    publicity: Due | None = None
    if kind is DocumentKind.PENALTY_DECISION and not credit_publicity.only_a_warning(
        contents["measure_ids"], day, case.region_code
    ):
        publicity = publicity_deadline(session, day, case.region_code)

    # The first write: from here the counter row is locked until the caller commits.
    sequence = numbering.next_sequence(session, authority.code, kind, day.year)
    number = scheme.number(authority, kind, day.year, sequence)
    header = {
        "kind": kind.value,
        "title": spec.title,
        "authority_name": authority.name,
        "number": number,
        "issued_on": chinese.date_text(day),
    }
    html = render.article(spec.template, header | contents)
    data = render.standalone(f"{spec.title} {number}", html)
    blob = store.put(io.BytesIO(data), f"{number}.html")
    pending = records.prepare(
        who,
        blob,
        kind=spec.entry_kind,
        title=f"{spec.title} {number}",
        filename=f"{number}.html",
        case_id=case.id,
        region_code=case.region_code,
        metadata={"document_kind": kind.value, "number": number, "issued_on": day.isoformat()},
        issued_at=utcnow(),
        request_id=request_id,
    )
    [deposit] = deposits.commit(session, [pending])
    document = CaseDocument(
        case_id=case.id,
        step_id=step.id,
        region_code=case.region_code,
        kind=kind.value,
        authority=authority.code,
        authority_name=authority.name,
        number=number,
        year=day.year,
        sequence=sequence,
        issued_on=day,
        issued_by=who.user_id,
        issued_by_name=who.name,
        fields=header | contents,
        html=html,
        sha256=blob.sha256,
        deposit_id=deposit.id,
        publicity_due=publicity.date if publicity else None,
        publicity_provisional=publicity.provisional if publicity else False,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        who.actor(request_id),
        f"case.document.{kind.value}",
        "case",
        case.id,
        region_code=case.region_code,
        after={
            "document_id": document.id,
            "number": number,
            "issued_on": day.isoformat(),
            "sha256": blob.sha256,
            "deposit_id": deposit.id,
            "log_index": deposit.log_index,
            "publicity_due": publicity.date.isoformat() if publicity else None,
        },
    )
    if kind is DocumentKind.PENALTY_DECISION:
        decision = _step_data(step, "decision")
        fine = _fen(decision, "fine_fen") if "fine" in contents["measure_ids"] else None
        _record_publicity(session, who.actor(request_id), case, document, contents, day, fine)
    _record_credit(session, who, request_id, case, document, spec, contents, day)
    session.flush()
    return document


def _record_credit(
    session: Session,
    who: Principal,
    request_id: str | None,
    case: Case,
    document: CaseDocument,
    spec: Spec,
    contents: dict[str, Any],
    day: dt.date,
) -> None:
    """A final decision against the respondent enters its credit file: a penalty decision, or a
    ruling that finds infringement: both are public credit information of the IP field
    (国家知识产权局知识产权信用管理规定, 国知发保字〔2022〕8号; see LEGAL.md "Credit")."""
    if document.kind == DocumentKind.PENALTY_DECISION.value:
        kind = RecordKind.PENALTY
        summary = "；".join(m["text"] for m in contents["measures"])
    elif document.kind == DocumentKind.RULING.value and contents["infringement_found"]:
        kind = RecordKind.RULING
        summary = contents["reasons"]
    else:
        return
    party = contents["respondent"]
    credit_service.record(
        session,
        who.actor(request_id),
        credit_service.Entry(
            kind=kind,
            entity_name=party["name"],
            entity_uscc=party["uscc"] or None,
            region_code=case.region_code,
            occurred_on=day,
            title=spec.title,
            summary=summary,
            authority=document.authority_name,
            document_no=document.number,
            source_kind="case_document",
            source_id=document.id,
            data={"case_id": case.id, "legal_basis": contents["legal_basis"]},
        ),
        created_by=who.user_id,
    )


def _record_publicity(
    session: Session,
    actor: audit.Actor,
    case: Case,
    document: CaseDocument,
    contents: dict[str, Any],
    day: dt.date,
    fine_fen: int | None,
) -> None:
    """双公示: credit keeps the decision's publication (or why it is withheld: a warning alone,
    a minor) in the same transaction, from the decision as issued and the registry's record;
    the fine in fen decides, with the penalty kinds, when its publicity stops."""
    # A natural person has no credit code: the case links the registry's record itself.
    entity = (
        session.get(MarketEntity, case.respondent_entity_id)
        if case.respondent_entity_id
        else entity_by_uscc(session, case.respondent_uscc)
        if case.respondent_uscc
        else None
    )
    person = entity is not None and entity.kind in (
        EntityKind.NATURAL_PERSON,
        EntityKind.INDIVIDUAL_BUSINESS,
    )
    party = contents["respondent"]
    credit_publicity.record_decision(
        session,
        actor,
        credit_publicity.Decision(
            source_kind=credit_publicity.PENALTY_DECISION,
            source_id=document.id,
            region_code=case.region_code,
            party=credit_publicity.Party(
                name=party["name"],
                uscc=party["uscc"] or None,
                natural_person=person,
                resident_id=(entity.resident_id or "") if entity and person else "",
                address=party["address"] or ((entity.address or "") if entity else ""),
                phone=(entity.phone or "") if entity and person else "",
                legal_representative=party["legal_representative"],
            ),
            title=SPECS[DocumentKind.PENALTY_DECISION].title,
            document_no=document.number,
            decided_on=day,
            authority=document.authority_name,
            measures=list(contents["measure_ids"]),
            measure_texts=[m["text"] for m in contents["measures"]],
            legal_basis=contents["legal_basis"],
            facts=contents.get("facts", ""),
            fine_fen=fine_fen,
        ),
    )
