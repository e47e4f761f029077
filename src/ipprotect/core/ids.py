"""Identifiers: Unified Social Credit Codes, organisation codes, CN patent application numbers,
trademark registration numbers and Nice classes, resident ID numbers and their public masks.
Region codes (GB/T 2260) live in `core.regions` and are re-exported here.

Every parser normalises first (full-width to half-width, spaces and hyphens dropped, upper
case) and raises `InvalidIdentifier` with a stable code; `field_error` turns it into the
`FieldError` services put in a 422 problem.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ipprotect.core.errors import FieldError
from ipprotect.core.regions import (
    NATIONAL,
    Region,
    is_region_code,
    province_prefixes,
    region,
    region_name,
    region_path,
    regions_under,
)
from ipprotect.web.i18n import N_

__all__ = [
    "AUTHORITIES",
    "NATIONAL",
    "USCC_CHARSET",
    "WARNINGS",
    "InvalidIdentifier",
    "PatentNumber",
    "Region",
    "Uscc",
    "check_nice_class",
    "is_region_code",
    "make_uscc",
    "mask_phone",
    "mask_resident_id",
    "normalise_uscc",
    "org_code_check_char",
    "parse_patent_application",
    "parse_resident_id",
    "parse_trademark_registration",
    "parse_uscc",
    "region",
    "region_name",
    "region_path",
    "regions_under",
    "uscc_check_char",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")


class InvalidIdentifier(ValueError):  # noqa: N818 - the name other modules already code against
    """`code` is stable; `message` is the English msgid template, filled from `params`."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.code = code
        self.message = message
        self.params = params

    def field_error(self, field: str) -> FieldError:
        return FieldError(field, self.code, self.message, dict(self.params))


_DASHES = "-‐‑‒–—―−"


def _compact(raw: str) -> str:
    """NFKC folds full-width forms (ＡＢＣ１２３, the ideographic space) to ASCII first."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(c for c in text if not c.isspace() and c not in _DASHES).upper()


# --- Unified Social Credit Code (统一社会信用代码), GB 32100-2015 and its amendment 1 (2016) ---

# GB 32100 §4: digits and capital letters without I, O, S, V, Z; a character's value is its index.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# ISO 7064 MOD 31-3 as GB 32100 §5 states it: weight of position i is 3^(i-1) mod 31.
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]

# Position 1, registration authority (登记管理部门). The amendment added A and N; Y is "other".
AUTHORITIES = {
    "1": "Establishment administration",  # 机构编制
    "2": "Foreign affairs",  # 外交
    "3": "Justice administration",  # 司法行政
    "4": "Culture",  # 文化
    "5": "Civil affairs",  # 民政
    "6": "Tourism",  # 旅游
    "7": "Religious affairs",  # 宗教
    "8": "Trade unions",  # 工会
    "9": "Market regulation (industry and commerce)",  # 工商
    "A": "Central Military Commission reform and establishment office",  # 中央军委改革和编制办公室
    "N": "Agriculture (rural collective economic organisations)",  # 农业
    "Y": "Other",  # 其他
}

# Registrations by national bodies (ministries, national associations) carry 100000 instead
# of a GB/T 2260 code, e.g. 51100000500002862F.
_NATIONAL_REGISTRATION = "100000"

WARNINGS = {
    # GB 11714 check of the embedded organisation code. Codes issued since 2015 (notably to
    # individual businesses) do not always satisfy it, yet they are valid registrations.
    "org_code_checksum": N_("The embedded organisation code fails its own check (GB 11714)"),
    # The registration authority's region may have been merged or renamed since.
    "region_not_current": N_("The region code {region} is not in the current division table"),
}


@dataclass(frozen=True)
class Uscc:
    code: str
    authority: str  # position 1, a key of AUTHORITIES
    category: str  # position 2, the entity category within that authority
    region_code: str  # positions 3-8
    org_code: str  # positions 9-17, the GB 11714 organisation code
    warnings: tuple[str, ...]  # keys of WARNINGS


def normalise_uscc(raw: str) -> str:
    return _compact(raw)


def _check_charset(code: str) -> None:
    for position, char in enumerate(code, start=1):
        if char not in USCC_CHARSET:
            raise InvalidIdentifier(
                "uscc_charset",
                N_(
                    "{char} (position {position}) is not used in credit codes: "
                    "they never contain I, O, S, V or Z"
                ),
                char=char,
                position=position,
            )


def uscc_check_char(first17: str) -> str:
    """The 18th character for 17 valid characters."""
    if len(first17) != 17:
        raise InvalidIdentifier(
            "uscc_length", N_("Give 17 characters, not {length}"), length=len(first17)
        )
    _check_charset(first17)
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (digits are their
    value, letters A-Z are 10-35): 11 - (sum mod 11), where 10 is written X and 11 is 0."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c, 36) * w for c, w in zip(body8, weights, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def parse_uscc(raw: str) -> Uscc:
    code = normalise_uscc(raw)
    if len(code) != 18:
        raise InvalidIdentifier(
            "uscc_length",
            N_("A credit code has 18 characters; this one has {length}"),
            length=len(code),
        )
    _check_charset(code)
    if code[0] not in AUTHORITIES:
        raise InvalidIdentifier(
            "uscc_authority",
            N_("{char} is not a registration authority code (1-9, A, N or Y)"),
            char=code[0],
        )
    region_code = code[2:8]
    if not region_code.isdigit() or (
        region_code[:2] not in province_prefixes() and region_code != _NATIONAL_REGISTRATION
    ):
        raise InvalidIdentifier(
            "uscc_region",
            N_("Characters 3 to 8 must be a region code; {region} is not one"),
            region=region_code,
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier(
            "uscc_checksum",
            N_("The check character does not match: a character is probably mistyped"),
        )
    warnings = []
    if org_code_check_char(code[8:16]) != code[16]:
        warnings.append("org_code_checksum")
    if region_code != _NATIONAL_REGISTRATION and not is_region_code(region_code):
        warnings.append("region_not_current")
    return Uscc(code, code[0], code[1], region_code, code[8:17], tuple(warnings))


def make_uscc(authority: str, category: str, region_code: str, org_body8: str) -> str:
    """A valid code from its parts, with both check characters computed (demo data, tests)."""
    first16 = authority + category + region_code + org_body8
    if [len(authority), len(category), len(region_code), len(org_body8)] != [1, 1, 6, 8]:
        raise InvalidIdentifier(
            "uscc_length",
            N_("A credit code has 18 characters; this one has {length}"),
            length=len(first16) + 2,
        )
    _check_charset(first16)
    first17 = first16 + org_code_check_char(org_body8)
    return parse_uscc(first17 + uscc_check_char(first17)).code


# --- CN patent application numbers (专利申请号) ---

# Type digit → (kind, entered China through the PCT).
_PATENT_TYPES = {
    "1": ("invention", False),
    "2": ("utility_model", False),
    "3": ("design", False),
    "8": ("invention", True),
    "9": ("utility_model", True),
}
# Check character: sum of the digits times 2,3,4,5,6,7,8,9,2,3,4,5 (the 8 digits of the
# pre-October-2003 format take 2..9), mod 11, 10 written X. How sure we are: the rule is
# CNIPA's (ZC 0006-2003) as secondary sources give it, and it holds for every real number we
# checked: 202010566088.9, 201510958772.0, 200510096239.4, 202322865413.3, 201811564288.X,
# 201080063196.9, 200510030457.8 and the old-format 99113861.9, 01105715.7, 00125301.8,
# 01126463.2. A counter-example from CNIPA's own register would overturn it.
_PATENT_WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]


@dataclass(frozen=True)
class PatentNumber:
    number: str  # normalised, "202310123456.6" or, before October 2003, "99113861.9"
    year: int
    kind: str  # invention | utility_model | design
    pct: bool


def _patent_check_char(digits: str) -> str:
    # The 8 digits of the old format take the first 8 weights.
    total = sum(int(d) * w for d, w in zip(digits, _PATENT_WEIGHTS, strict=False))
    return "X" if total % 11 == 10 else str(total % 11)


def make_patent_application(year: int, type_digit: int, serial: int) -> str:
    """A valid application number, e.g. (2023, 1, 123456) → "202310123456.6" (for demo data)."""
    digits = f"{year:04d}{type_digit:d}{serial:07d}"
    return f"{digits}.{_patent_check_char(digits)}"


def parse_patent_application(raw: str) -> PatentNumber:
    """Accepts "CN202310123456.6", "ZL 2023 1 0123456.6", "2023101234566", "99113861.9"."""
    text = _compact(raw).replace(".", "")
    text = text.removeprefix("CN").removeprefix("ZL")
    digits, check = text[:-1], text[-1:]
    if len(digits) not in (12, 8) or not digits.isdigit() or check not in "0123456789X":
        raise InvalidIdentifier(
            "patent_format",
            N_(
                "A patent application number is a year, a type digit, a serial number and "
                "a check character, e.g. 202310123456.6"
            ),
        )
    if len(digits) == 12:
        year, type_digit = int(digits[:4]), digits[4]
        first_year = 2003  # the 12-digit format began on 1 October 2003
    else:
        # Old format: two-digit year from 1985 (the first Patent Law) to 2003.
        year, type_digit = int(digits[:2]), digits[2]
        year += 2000 if year <= 3 else 1900
        first_year = 1985
    last_year = 2003 if len(digits) == 8 else datetime.now(SHANGHAI).year
    if not first_year <= year <= last_year:
        raise InvalidIdentifier(
            "patent_year", N_("{year} is not a possible application year"), year=year
        )
    if type_digit not in _PATENT_TYPES:
        raise InvalidIdentifier(
            "patent_type",
            N_("The type digit must be 1, 2, 3, 8 or 9, not {digit}"),
            digit=type_digit,
        )
    if _patent_check_char(digits) != check:
        raise InvalidIdentifier(
            "patent_checksum",
            N_("The check character does not match: a digit is probably mistyped"),
        )
    kind, pct = _PATENT_TYPES[type_digit]
    return PatentNumber(f"{digits}.{check}", year, kind, pct)


# --- Trademarks (商标) ---


def parse_trademark_registration(raw: str) -> str:
    """A registration number, also written "第12345678号". CNIPA numbers reached 8 digits
    (tens of millions of registrations), so 1 to 8 digits without a leading zero."""
    text = _compact(raw).removeprefix("第").removesuffix("号")
    if not (text.isdigit() and text.isascii() and 1 <= len(text) <= 8 and text[0] != "0"):
        raise InvalidIdentifier(
            "trademark_format",
            N_("A trademark registration number is 1 to 8 digits"),
        )
    return text


def check_nice_class(value: int | str) -> int:
    """A Nice classification class (尼斯分类), 1-45; "09" and "第9类" are read as 9."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removeprefix("第").removesuffix("类")
        number = int(text) if text.isdigit() and text.isascii() else 0
    else:
        number = 0 if isinstance(value, bool) else value  # True is an int to Python, not a class
    if not 1 <= number <= 45:
        raise InvalidIdentifier("nice_class", N_("A Nice class is a number from 1 to 45"))
    return number


# --- Resident ID numbers (公民身份号码), GB 11643-1999 ---

# ISO 7064 MOD 11-2: weight of position i (from the left) is 2^(18-i) mod 11.
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
# Residence permits of Hong Kong, Macao and Taiwan residents (2018) use 81, 82 and 83.
_PERMIT_PREFIXES = frozenset({"81", "82", "83"})


def _resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def make_resident_id(region_code: str, born: date, sequence: int) -> str:
    """A valid 18-character number (for demo data): region, birth date, 3-digit sequence, check."""
    first17 = f"{region_code}{born:%Y%m%d}{sequence:03d}"
    return first17 + _resident_id_check_char(first17)


def parse_resident_id(raw: str) -> str:
    """The normalised 18-character number. Never log or show it: use `mask_resident_id`."""
    number = _compact(raw)
    if len(number) == 15 and number.isdigit():
        raise InvalidIdentifier(
            "resident_id_length",
            N_("15-digit first-generation ID numbers are no longer valid; give all 18 characters"),
        )
    if len(number) != 18:
        raise InvalidIdentifier(
            "resident_id_length",
            N_("A resident ID number has 18 characters; this one has {length}"),
            length=len(number),
        )
    if not number[:17].isdigit() or not number[:17].isascii() or number[17] not in "0123456789X":
        raise InvalidIdentifier(
            "resident_id_format",
            N_("A resident ID number is 17 digits followed by a digit or X"),
        )
    if number[:2] not in province_prefixes() and number[:2] not in _PERMIT_PREFIXES:
        raise InvalidIdentifier(
            "resident_id_region", N_("The first 6 digits are not a region code")
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1880 or born > datetime.now(SHANGHAI).date():
        raise InvalidIdentifier(
            "resident_id_birth_date", N_("Digits 7 to 14 are not a possible birth date")
        )
    if _resident_id_check_char(number[:17]) != number[17]:
        raise InvalidIdentifier(
            "resident_id_checksum",
            N_("The check character does not match: a digit is probably mistyped"),
        )
    return number


def mask_resident_id(value: str) -> str:
    """110105********002X. The hidden digits 7-14 are the birth date, the part that with a name
    identifies a person; the kept region and last four are what public notices (court lists of
    dishonest debtors, administrative penalty publicity) commonly show so that a reader who
    already knows the person can tell namesakes apart. Anything not 18 long is hidden whole."""
    text = _compact(value)
    if len(text) != 18:
        return "*" * len(text)
    return text[:6] + "*" * 8 + text[14:]


def mask_phone(value: str) -> str:
    """138****5678: the carrier prefix and the last four, the usual form on notices and receipts."""
    text = _compact(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]
