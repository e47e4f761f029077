"""Document numbers (文号): the format, the authority of the region, a city's override, the
yearly restart, and no duplicate or gap when two officers issue at the same moment."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.app import create_app
from ipprotect.cases.documents import numbering, service
from ipprotect.cases.documents.kinds import DocumentKind
from ipprotect.cases.documents.models import CaseDocument, DocumentCounter
from ipprotect.core import migrate
from ipprotect.core.auth import principal_for
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import Settings
from tests.cases.channel_factories import officer
from tests.cases.document_factories import D, penalty_case, store
from tests.factories import make_user

FACTS = {"facts": "销售假冒注册商标的商品", "evidence": "现场检查笔录"}


def test_numbers_follow_the_authority_the_kind_and_the_year() -> None:
    scheme = numbering.load()
    hangzhou = scheme.authority_for("330106")  # Xihu District: the city's authority
    beijing = scheme.authority_for("110105")  # Chaoyang District
    assert hangzhou is not None
    assert beijing is not None
    assert scheme.number(hangzhou, DocumentKind.PENALTY_DECISION, 2026, 12) == (
        "杭市监知执罚字〔2026〕第12号"
    )
    assert scheme.number(beijing, DocumentKind.PENALTY_DECISION, 2026, 12) == (
        "京知执罚字〔2026〕第12号"
    )
    assert beijing.name == "北京市知识产权局"
    assert scheme.authority_for("320102") is None  # Nanjing: not configured


def test_a_city_overrides_the_shipped_authorities_with_its_own_file(tmp_path: Path) -> None:
    city = tmp_path / "authorities.toml"
    city.write_text(
        '[words]\nruling = "处字"\n\n'
        '[[authority]]\nregion = "330106"\n'
        'name = "杭州市西湖区市场监督管理局"\ncode = "杭西市监"\n',
        encoding="utf-8",
    )
    scheme = numbering.load(numbering.SHIPPED, city)
    xihu = scheme.authority_for("330106")
    binjiang = scheme.authority_for("330108")
    assert xihu is not None
    assert binjiang is not None
    assert scheme.number(xihu, DocumentKind.RULING, 2026, 3) == "杭西市监处字〔2026〕第3号"
    assert binjiang.code == "杭市监知"  # the rest of the city keeps the shipped authority


def test_a_broken_authorities_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    city = tmp_path / "authorities.toml"
    city.write_text('[[authority]]\nregion = "999999"\nname = "x"\ncode = "x"\n', "utf-8")
    with pytest.raises(numbering.NumberingFileError, match="authority 1: unknown region code"):
        numbering.load(numbering.SHIPPED, city)
    city.write_text('format = "{code}{word}第{n}号"\n', "utf-8")
    with pytest.raises(numbering.NumberingFileError, match="format must hold"):
        numbering.load(numbering.SHIPPED, city)


def test_numbers_count_per_kind_and_restart_at_1_each_year(db: Session, tmp_path: Path) -> None:
    issued = []
    for on in ("2025-12-30", "2025-12-31", "2026-01-05"):
        case = penalty_case(db, on)
        draft = service.DocumentDraft("penalty_decision", D(on), FACTS)
        issued.append(service.issue(db, officer(db), case, draft, store(tmp_path)).number)
    assert issued == [
        "杭市监知执罚字〔2025〕第1号",
        "杭市监知执罚字〔2025〕第2号",
        "杭市监知执罚字〔2026〕第1号",
    ]
    counters = db.scalars(select(DocumentCounter).order_by(DocumentCounter.year)).all()
    assert [(c.authority, c.kind, c.year, c.last) for c in counters] == [
        ("杭市监知", "penalty_decision", 2025, 2),
        ("杭市监知", "penalty_decision", 2026, 1),
    ]


ISSUERS = 2
EACH = 4


def test_two_officers_issuing_at_once_get_consecutive_numbers_without_duplicates(
    tmp_path: Path,
) -> None:
    """Two sessions on a real SQLite file, each committing its own issues: every number from 1
    to 8 is given exactly once."""
    settings = Settings(data_dir=tmp_path, database_url="", secret_key="numbering")
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        cases = [penalty_case(session, "2026-01-05").id for _ in range(ISSUERS * EACH)]
        issuers = [principal_for(make_user(session)) for _ in range(ISSUERS)]
        session.commit()
    blobs = store(tmp_path)
    start = threading.Barrier(ISSUERS)
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        start.wait()
        try:
            for case_id in cases[worker::ISSUERS]:
                with sessions() as session:
                    who = issuers[worker]
                    case = service.get_case(session, who, case_id)
                    draft = service.DocumentDraft("penalty_decision", D("2026-01-05"), FACTS)
                    service.issue(session, who, case, draft, blobs)
                    session.commit()
        except BaseException as exc:  # handed to the main thread's assertion
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with sessions() as session:
        numbers = session.scalars(select(CaseDocument.sequence)).all()
        assert sorted(numbers) == list(range(1, ISSUERS * EACH + 1))
        counter = session.scalars(select(DocumentCounter)).one()
        assert counter.last == ISSUERS * EACH
    engine.dispose()


def test_a_broken_authorities_file_stops_the_platform_at_start_up(
    settings: Settings, tmp_path: Path
) -> None:
    city = tmp_path / "authorities.toml"
    city.write_text("[words]\npenalty_decision = 3\n", "utf-8")
    broken = settings.model_copy(update={"document_authorities": city})
    with pytest.raises(numbering.NumberingFileError, match="no word for penalty_decision"):
        create_app(broken)
