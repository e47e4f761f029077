"""The demo city: Hangzhou (杭州市, 330100), from the 2023 batch of national IP protection
demonstration zones, with its real districts, a few hundred market entities with valid USCCs,
IP rights of every kind, an account for every role, and a year of cases in every channel
(`cases.demo`).

Everything goes through the domains' services, so the demo data passes the same validation and
leaves the same audit trail as data typed in by an officer. The data are made up; the region
codes are real. The same seed gives the same city every time.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.cases import demo as cases_demo
from ipprotect.core import auth, ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import today
from ipprotect.core.scope import NATIONAL, Scope
from ipprotect.credit import demo as credit_demo
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry import service as registry
from ipprotect.registry.models import EntityKind, MarketEntity, RightKind
from ipprotect.settings import Settings

CITY = "330100"
DISTRICTS = {  # GB/T 2260 codes of Hangzhou's districts, counties and county-level city
    "330102": "上城",
    "330105": "拱墅",
    "330106": "西湖",
    "330108": "滨江",
    "330109": "萧山",
    "330110": "余杭",
    "330111": "富阳",
    "330112": "临安",
    "330113": "临平",
    "330114": "钱塘",
    "330122": "桐庐",
    "330127": "淳安",
    "330182": "建德",
}
BRANDS = [
    "龙井", "天目", "钱江", "西子", "之江", "湖畔", "云栖", "梦溪", "海创", "九堡", "良渚",
    "径山", "千岛", "富春", "新安", "望江", "青芝", "博远", "华澜", "睿信", "智微", "嘉禾",
    "鼎盛", "汇通", "启明", "星河", "翠峰", "灵隐", "梅家坞", "龙坞", "丝路", "青瓷", "宋韵",
    "江南", "吴越", "慧眼", "数联", "云帆", "赛思",
]  # fmt: skip
TRADES = [
    ("茶业", 30),
    ("科技", 35),
    ("网络科技", 35),
    ("生物医药", 5),
    ("丝绸", 24),
    ("电子商务", 35),
    ("智能装备", 7),
    ("新材料", 1),
    ("文化传媒", 41),
    ("食品", 29),
    ("服饰", 25),
    ("软件", 9),
    ("家居用品", 20),
    ("医疗器械", 10),
    ("数字技术", 42),
]  # fmt: skip  (trade, the Nice class its marks are most often filed in)
FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅婷浩宇鑫"
STREETS = [
    "文三路",
    "教工路",
    "江南大道",
    "之江路",
    "莫干山路",
    "湖墅南路",
    "网商路",
    "金城路",
    "文一西路",
]
FOREIGN = [
    ("Sakura Tea Co., Ltd.", "日本"),
    ("Alpine Precision GmbH", "德国"),
    ("Maple Leaf Foods Inc.", "加拿大"),
    ("Lumiere Textiles SARL", "法国"),
    ("Harbour Bridge Software Pty Ltd", "澳大利亚"),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    region: str
    display_name: str
    uscc_of_entity: int | None = None  # index into the demo companies, for the applicant

    @property
    def password(self) -> str:
        return f"demo-{self.username}-2026"  # printed by `make run`; demo databases only


ACCOUNTS = [
    DemoAccount("admin", Role.ADMIN, CITY, "杭州市知识产权保护中心管理员"),
    DemoAccount("officer", Role.OFFICER, CITY, "市知识产权保护中心执法员"),
    DemoAccount("officer_xihu", Role.OFFICER, "330106", "西湖区市场监管局执法员"),
    DemoAccount("mediator", Role.MEDIATOR, CITY, "知识产权纠纷人民调解委员会调解员"),
    DemoAccount("credit", Role.CREDIT_OFFICER, CITY, "信用监管科工作人员"),
    DemoAccount("evaluator", Role.EVALUATOR, "330000", "浙江省知识产权局评估人员"),
    DemoAccount("applicant", Role.APPLICANT, "330106", "龙井茶业企业用户", uscc_of_entity=0),
]

DEMO = Principal(None, "demo", Role.ADMIN, Scope.of([NATIONAL]))


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _address(rng: random.Random, district: str) -> str:
    street = f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号"
    return f"浙江省杭州市{ids.region_name(district, 'zh_CN')}{street}"


def _org_body(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "".join(rng.choice(alphabet) for _ in range(8))


def _company_drafts(rng: random.Random, count: int) -> list[tuple[registry.EntityDraft, int]]:
    """Company drafts with the Nice class of their trade. The first is the applicant's company."""
    drafts: list[tuple[registry.EntityDraft, int]] = []
    names: set[str] = set()
    while len(drafts) < count:
        district = "330106" if not drafts else rng.choice(list(DISTRICTS))
        brand = "西湖龙井" if not drafts else rng.choice(BRANDS)
        trade, nice_class = TRADES[0] if not drafts else rng.choice(TRADES)
        prefix = rng.choice(["杭州", "杭州", f"杭州{DISTRICTS[district]}", "浙江"])
        name = f"{prefix}{brand}{trade}{rng.choice(FORMS)}"
        if rng.random() < 0.08:  # the "brand (Hangzhou) trade" pattern of branch companies
            name = f"{brand}{trade}（杭州）{rng.choice(FORMS)}"
        if name in names:
            continue
        names.add(name)
        uscc = ids.make_uscc("9", "1", district, _org_body(rng))
        drafts.append(
            (
                registry.EntityDraft(
                    name=name,
                    uscc=uscc,
                    kind=EntityKind.COMPANY.value,
                    region_code=district,
                    legal_representative=_person(rng),
                    address=_address(rng, district),
                    phone=f"0571-{rng.randrange(10**7, 10**8)}",
                    email=f"ip{len(drafts)}@example.cn",
                ),
                nice_class,
            )
        )
    return drafts


def _other_drafts(rng: random.Random) -> list[registry.EntityDraft]:
    drafts: list[registry.EntityDraft] = []
    for _ in range(
        30
    ):  # individual businesses (个体工商户) carry USCCs with authority 9, category 2
        district = rng.choice(list(DISTRICTS))
        owner = _person(rng)
        drafts.append(
            registry.EntityDraft(
                name=f"杭州市{ids.region_name(district, 'zh_CN')}{owner}"
                f"{rng.choice(['茶庄', '服装店', '小吃店', '文具店', '工艺品店'])}",
                uscc=ids.make_uscc("9", "2", district, _org_body(rng)),
                kind=EntityKind.INDIVIDUAL_BUSINESS.value,
                region_code=district,
                legal_representative=owner,
                address=_address(rng, district),
                phone=_phone(rng),
            )
        )
    for i in range(15):  # natural persons: resident IDs, phones and addresses are personal data
        district = rng.choice(list(DISTRICTS))
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
        drafts.append(
            registry.EntityDraft(
                name=_person(rng),
                kind=EntityKind.NATURAL_PERSON.value,
                region_code=district,
                address=_address(rng, district),
                phone=_phone(rng),
                resident_id=ids.make_resident_id(district, born, 100 + i),
            )
        )
    institutions = [
        ("浙江大学", "12", "330106"),
        ("杭州市知识产权保护中心", "12", "330102"),
        (
            "杭州市茶叶行业协会",
            "51",
            "330106",
        ),  # 5 = civil affairs authority, 1 = social organisation
        ("杭州市丝绸行业协会", "51", "330105"),
        ("杭州市软件行业协会", "51", "330108"),
    ]
    for name, code, district in institutions:
        public = code.startswith("1")
        drafts.append(
            registry.EntityDraft(
                name=name,
                uscc=ids.make_uscc(code[0], code[1], district, _org_body(rng)),
                kind=(
                    EntityKind.PUBLIC_INSTITUTION if public else EntityKind.SOCIAL_ORGANISATION
                ).value,
                region_code=district,
                legal_representative=_person(rng),
                address=_address(rng, district),
            )
        )
    for name, _country in FOREIGN:
        drafts.append(
            registry.EntityDraft(name=name, kind=EntityKind.FOREIGN.value, region_code=CITY)
        )
    return drafts


def _rights_for(
    rng: random.Random, owner: MarketEntity, nice_class: int, serial: int
) -> list[registry.RightDraft]:
    """Two to four rights for a company: marks in its trade's class, patents, a copyright."""
    filed = date(2015, 1, 1) + timedelta(days=rng.randrange(3500))
    brand_name = owner.name.removeprefix("杭州").removeprefix("浙江")[:4]
    drafts = [
        registry.RightDraft(
            kind=RightKind.TRADEMARK.value,
            number=str(rng.randrange(10_000_000, 79_999_999)),
            title=brand_name,
            owner_id=str(owner.id),
            nice_classes=", ".join(str(c) for c in sorted({nice_class, rng.randrange(1, 46)})),
            filed_on=filed.isoformat(),
            granted_on=(filed + timedelta(days=300)).isoformat(),
            expires_on=(filed + timedelta(days=300 + 3652)).isoformat(),
            status="registered",
        )
    ]
    if rng.random() < 0.6:
        type_digit = rng.choice([1, 1, 2, 2, 3])
        pending = type_digit == 1 and rng.random() < 0.4
        drafts.append(
            registry.RightDraft(
                kind=RightKind.PATENT.value,
                number=ids.make_patent_application(filed.year, type_digit, serial),
                title=rng.choice(
                    [
                        "一种茶叶杀青装置",
                        "一种数据同步方法及系统",
                        "智能仓储机器人",
                        "丝绸面料的染色工艺",
                        "包装盒（茶叶）",
                        "一种可折叠的收纳架",
                        "一种图像识别模型的训练方法",
                    ]
                ),
                owner_id=str(owner.id),
                filed_on=filed.isoformat(),
                granted_on="" if pending else (filed + timedelta(days=500)).isoformat(),
                status="pending" if pending else "granted",
            )
        )
    if rng.random() < 0.3:
        drafts.append(
            registry.RightDraft(
                kind=RightKind.COPYRIGHT.value,
                # the register number of a software copyright (计算机软件著作权登记号)
                number=f"{filed.year}SR{rng.randrange(10**6, 10**7)}",
                title=f"{brand_name}管理系统V{rng.randrange(1, 5)}.0",
                owner_id=str(owner.id),
                filed_on=filed.isoformat(),
                status="registered",
            )
        )
    if rng.random() < 0.1:
        drafts.append(
            registry.RightDraft(
                kind=RightKind.TRADE_SECRET.value,
                title="客户名单及配方工艺",
                owner_id=str(owner.id),
                status="registered",
            )
        )
    return drafts


def _special_rights(entities: list[MarketEntity]) -> list[registry.RightDraft]:
    """Rights of kinds few companies hold: a geographical indication and a plant variety."""
    tea_association = next(e for e in entities if e.name == "杭州市茶叶行业协会")
    university = next(e for e in entities if e.name == "浙江大学")
    return [
        registry.RightDraft(
            kind=RightKind.GEOGRAPHICAL_INDICATION.value,
            number="AGI00073",
            title="西湖龙井",
            owner_id=str(tea_association.id),
            filed_on="2011-01-12",
            status="registered",
        ),
        registry.RightDraft(
            kind=RightKind.PLANT_VARIETY.value,
            number="CNA20191003.4",
            title="中茶302",
            owner_id=str(university.id),
            filed_on="2019-05-20",
            granted_on="2021-12-29",
            status="granted",
        ),
    ]


def has_data(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(MarketEntity)) or 0) > 0


SYSTEM_ACCOUNT = "杭州市公共资源交易平台（演示）"  # the `system` role: a procurement system's token


def populate(
    session: Session, settings: Settings, seed: int = 2026, companies: int = 260
) -> tuple[dict[str, int], str]:
    """Write the demo city into the session (the caller commits); returns the counts and the
    plaintext of the demo system token, which, like every token, is stored only as a hash."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    company_drafts = _company_drafts(rng, companies)
    companies_saved = [
        (registry.create_entity(session, DEMO, draft).record, nice_class)
        for draft, nice_class in company_drafts
    ]
    others = [registry.create_entity(session, DEMO, d).record for d in _other_drafts(rng)]
    rights = 0
    for serial, (company, nice_class) in enumerate(companies_saved, start=100_001):
        for draft in _rights_for(rng, company, nice_class, serial):
            registry.create_right(session, DEMO, draft)
            rights += 1
    for draft in _special_rights(others):
        registry.create_right(session, DEMO, draft)
        rights += 1
    for account in ACCOUNTS:
        uscc = None
        if account.uscc_of_entity is not None:
            uscc = companies_saved[account.uscc_of_entity][0].uscc
        auth.create_user(
            session,
            DEMO.actor(),
            username=account.username,
            password=account.password,
            role=account.role,
            region_codes=[account.region],
            display_name=account.display_name,
            entity_uscc=uscc,
        )
    _, token = auth.create_token(
        session, DEMO.actor(), name=SYSTEM_ACCOUNT, region_codes=[CITY], role=Role.SYSTEM
    )
    cases = cases_demo.populate(session, rng, _cast(session, settings), today())
    credit_officer = session.scalar(select(auth.User).where(auth.User.username == "credit"))
    assert credit_officer is not None  # created above
    listings = credit_demo.populate(
        session,
        auth.principal_for(credit_officer),
        BlobStore.of(settings),
        [company for company, _ in companies_saved[1:]],
        today(),
    )
    credit_demo.publish_decisions(session, auth.principal_for(credit_officer), today())
    counts = {"entities": len(companies_saved) + len(others), "rights": rights}
    return {
        **counts,
        "accounts": len(ACCOUNTS),
        "cases": sum(cases.values()),
        "listings": sum(listings.values()),
    }, token


def _cast(session: Session, settings: Settings) -> cases_demo.Cast:
    """The demo's city officer and mediator, who act in the demo cases."""

    def user(username: str) -> auth.User:
        found = session.scalar(select(auth.User).where(auth.User.username == username))
        assert found is not None  # created just before
        return found

    return cases_demo.Cast(
        officer=auth.principal_for(user("officer")),
        admin=auth.principal_for(user("admin")),
        mediator=user("mediator"),
        store=BlobStore.of(settings),
        settings=settings,
    )


def print_accounts(console: Console) -> None:
    table = Table(title="Demo accounts / 演示账号 (http://127.0.0.1:8000/login)")
    for column in ("username", "password", "role", "region"):
        table.add_column(column)
    for a in ACCOUNTS:
        table.add_row(
            a.username, a.password, a.role.value, f"{a.region} {ids.region_name(a.region, 'zh_CN')}"
        )
    console.print(table)


def load_demo(settings: Settings, force: bool = False) -> None:
    console = Console()
    factory = make_sessionmaker(make_engine(settings))
    with factory() as session:
        if has_data(session) and not force:
            console.print("The database already has data: the demo was not loaded again.")
        else:
            with console.status("Loading the demo city (Hangzhou)…"):
                counts, token = populate(session, settings)
                session.commit()
            console.print(
                f"Loaded {counts['entities']} entities, {counts['rights']} rights, "
                f"{counts['cases']} cases."
            )
            console.print(
                f"API token of the system account {SYSTEM_ACCOUNT} (shown once): {token}\n"
                f"  curl -H 'Authorization: Bearer {token}' http://127.0.0.1:8000/api/v1/rules",
                soft_wrap=True,  # a token broken over two lines cannot be copied
            )
    print_accounts(console)
