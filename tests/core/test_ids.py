"""Identifiers: credit codes (GB 32100), patent application numbers, trademark numbers and Nice
classes, resident ID numbers (GB 11643) and the masks of personal data."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipprotect.core import ids
from ipprotect.core.errors import FieldError
from ipprotect.core.regions import regions_under

# Published codes of real entities, quoted from public web pages and filings.
REAL_USCCS = [
    "914403001922038216",  # Huawei Technologies Co., Ltd. (华为技术有限公司)
    "9144030071526726XG",  # Shenzhen Tencent Computer Systems (深圳市腾讯计算机系统有限公司)
    "91330100799655058B",  # Alibaba (China) Co., Ltd. (阿里巴巴（中国）有限公司)
    "91110108551385082Q",  # Xiaomi Technology (小米科技有限责任公司)
    "91110108795101314G",  # Google Information Technology (China) (谷歌信息技术（中国）有限公司)
    "51100000500009247D",  # China Composites Industry Association, a national association
    "91350100M000100Y43",  # the worked example of the Fujian registration authority
]


def _with_wrong_org_check(code: str) -> str:
    """The same code with a different organisation-code check and a recomputed USCC check."""
    wrong = "1" if code[16] != "1" else "2"
    first17 = code[:16] + wrong
    return first17 + ids.uscc_check_char(first17)


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_published_credit_codes_are_valid(code: str) -> None:
    parsed = ids.parse_uscc(code)
    assert parsed.code == code
    assert parsed.warnings == ()


def test_a_credit_code_is_split_into_its_parts() -> None:
    parsed = ids.parse_uscc("914403001922038216")
    assert (parsed.authority, parsed.category) == ("9", "1")
    assert parsed.region_code == "440300"
    assert parsed.org_code == "192203821"


def test_national_registrations_carry_region_100000() -> None:
    assert ids.parse_uscc("51100000500012681T").region_code == "100000"


@pytest.mark.parametrize(
    "raw",
    [
        "9144 0300 1922 0382 16",
        "91440300-19220382-16",
        "914403001922038216".lower(),
        "９１４４０３００１９２２０３８２１６",  # full width
        "\u3000914403001922038216\n",  # ideographic space and a newline from a spreadsheet
    ],
)
def test_spaces_hyphens_lower_case_and_full_width_are_normalised(raw: str) -> None:
    assert ids.normalise_uscc(raw) == "914403001922038216"
    assert ids.parse_uscc(raw).code == "914403001922038216"


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_letter_authorities_of_the_2016_amendment_are_valid(authority: str) -> None:
    code = ids.make_uscc(authority, "1", "330106", "MA2H3K7P")
    assert code[0] == authority
    assert ids.parse_uscc(code).authority == authority


def test_a_lower_case_letter_authority_code_is_accepted() -> None:
    code = ids.make_uscc("N", "2", "330106", "12345678")
    assert ids.parse_uscc(code.lower()).code == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91440300192203821", "uscc_length"),
        ("9144030019220382166", "uscc_length"),
        ("", "uscc_length"),
        ("9144030019220382O6", "uscc_charset"),  # letter O for zero
        ("91440300192203821!", "uscc_charset"),
        ("B14403001922038216", "uscc_authority"),
        ("014403001922038216", "uscc_authority"),
        ("9144A3001922038216", "uscc_region"),
        ("919903001922038216", "uscc_region"),  # no province 99
        ("914403001922038217", "uscc_checksum"),
        ("914403001922038261", "uscc_checksum"),  # last two swapped
    ],
)
def test_each_kind_of_bad_credit_code_has_its_own_error_code(raw: str, code: str) -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_uscc(raw)
    assert caught.value.code == code


def test_the_charset_error_names_the_character_and_its_position() -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_uscc("9144030019220382I6")
    assert caught.value.params == {"char": "I", "position": 17}
    assert "position 17" in str(caught.value)


def test_an_organisation_code_mismatch_is_a_warning_not_a_rejection() -> None:
    code = _with_wrong_org_check("914403001922038216")
    parsed = ids.parse_uscc(code)
    assert parsed.code == code
    assert parsed.warnings == ("org_code_checksum",)


def test_a_region_code_abolished_since_registration_is_a_warning() -> None:
    # Evergrande Real Estate (恒大地产集团有限公司), registered under Guangzhou's old 440101.
    parsed = ids.parse_uscc("91440101231245152Y")
    assert parsed.warnings == ("region_not_current",)


def test_the_error_becomes_a_field_error_with_its_template_and_params() -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_uscc("12345")
    error = caught.value.field_error("entity.uscc")
    assert isinstance(error, FieldError)
    assert (error.field, error.code) == ("entity.uscc", "uscc_length")
    assert error.params == {"length": 5}
    assert error.text() == "A credit code has 18 characters; this one has 5"


def test_the_org_code_check_follows_gb_11714_including_x_and_zero() -> None:
    assert ids.org_code_check_char("19220382") == "1"  # Huawei's 192203821
    assert ids.org_code_check_char("71526726") == "X"  # Tencent's 71526726X
    assert ids.org_code_check_char("MA06DG30") == "6"  # letters count 10-35


def test_the_check_character_of_huawei_is_6() -> None:
    assert ids.uscc_check_char("91440300192203821") == "6"


def test_the_check_character_needs_17_valid_characters() -> None:
    with pytest.raises(ids.InvalidIdentifier):
        ids.uscc_check_char("9144030019220382")
    with pytest.raises(ids.InvalidIdentifier):
        ids.uscc_check_char("9144030019220382I")


def test_make_uscc_refuses_parts_of_the_wrong_length_or_region() -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.make_uscc("9", "1", "3301", "12345678")
    assert caught.value.code == "uscc_length"
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.make_uscc("9", "1", "000000", "12345678")
    assert caught.value.code == "uscc_region"


_REGION_CODES = [r.code for p in regions_under("000000")[:31] for r in regions_under(p.code)]
_parts = st.tuples(
    st.sampled_from(sorted(ids.AUTHORITIES)),
    st.sampled_from(ids.USCC_CHARSET),
    st.sampled_from(_REGION_CODES),
    st.text(alphabet=ids.USCC_CHARSET, min_size=8, max_size=8),
)


@given(_parts)
def test_every_made_code_parses_back_without_warnings(parts: tuple[str, str, str, str]) -> None:
    code = ids.make_uscc(*parts)
    parsed = ids.parse_uscc(code)
    assert (parsed.authority, parsed.category, parsed.region_code) == parts[:3]
    assert parsed.org_code[:8] == parts[3]
    assert parsed.warnings == ()


@given(_parts, st.integers(0, 17), st.sampled_from(ids.USCC_CHARSET))
def test_any_single_character_change_is_rejected(
    parts: tuple[str, str, str, str], position: int, char: str
) -> None:
    code = ids.make_uscc(*parts)
    if code[position] == char:
        char = ids.USCC_CHARSET[(ids.USCC_CHARSET.index(char) + 1) % 31]
    changed = code[:position] + char + code[position + 1 :]
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_uscc(changed)
    if position == 1 or position >= 8:
        assert caught.value.code == "uscc_checksum"


# --- patents ---

# Real numbers quoted on public pages (researchers' CVs, product pages, a format explainer).
REAL_PATENTS = [
    ("ZL202010566088.9", "202010566088.9", 2020),
    ("ZL2015 1 0958772.0", "201510958772.0", 2015),
    ("ZL2005 10096239.4", "200510096239.4", 2005),
    ("ZL202322865413.3", "202322865413.3", 2023),
    ("ZL201811564288.X", "201811564288.X", 2018),
    ("CN 2010 8 0063196 .9", "201080063196.9", 2010),
    ("ZL99113861.9", "99113861.9", 1999),  # before October 2003: 8 digits
    ("ZL01105715.7", "01105715.7", 2001),
    ("ZL00125301.8", "00125301.8", 2000),
]


@pytest.mark.parametrize(("raw", "number", "year"), REAL_PATENTS)
def test_real_published_patent_numbers_are_valid(raw: str, number: str, year: int) -> None:
    parsed = ids.parse_patent_application(raw)
    assert (parsed.number, parsed.year) == (number, year)


@pytest.mark.parametrize(
    "raw",
    [
        "202010566088.9",
        "2020105660889",
        "cn202010566088.9",
        "ZL 2020 1056 6088.9",
        "２０２０１０５６６０８８．９",
    ],
)
def test_patent_numbers_with_or_without_prefix_dot_and_spaces_normalise(raw: str) -> None:
    assert ids.parse_patent_application(raw).number == "202010566088.9"


@pytest.mark.parametrize(
    ("number", "kind", "pct"),
    [
        ("202010566088.9", "invention", False),
        ("202322865413.3", "utility_model", False),
        ("202330123456.7", "design", False),
        ("201080063196.9", "invention", True),
        ("201990001234.4", "utility_model", True),
        ("89100002.X", "invention", False),
        ("98300001.8", "design", False),
    ],
)
def test_the_type_digit_gives_the_kind_and_the_pct_route(number: str, kind: str, pct: bool) -> None:
    parsed = ids.parse_patent_application(number)
    assert (parsed.kind, parsed.pct) == (kind, pct)


def test_old_format_years_run_from_1985_to_2003() -> None:
    assert ids.parse_patent_application("89100002.X").year == 1989
    assert ids.parse_patent_application("01105715.7").year == 2001


def test_an_application_year_after_this_year_is_refused() -> None:
    digits = f"{datetime.now(ids.SHANGHAI).year + 1}10000001"
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_patent_application(f"{digits}.{'X' if check == 10 else check}")
    assert caught.value.code == "patent_year"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("20201056608.9", "patent_format"),  # 11 digits
        ("2020105660889X", "patent_format"),
        ("CN102822194B", "patent_format"),  # a publication number, not an application number
        ("", "patent_format"),
        ("200210566088.3", "patent_year"),  # the 12-digit format began in 2003
        ("84100001.6", "patent_year"),  # before the Patent Law took effect
        ("202040566088.4", "patent_type"),
        ("202010566088.8", "patent_checksum"),
        ("202010566088.X", "patent_checksum"),
        ("99113861.8", "patent_checksum"),
    ],
)
def test_each_kind_of_bad_patent_number_has_its_own_error_code(raw: str, code: str) -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_patent_application(raw)
    assert caught.value.code == code


# --- trademarks ---


@pytest.mark.parametrize(
    ("raw", "number"),
    [("12345678", "12345678"), ("7", "7"), ("第 1234567 号", "1234567"), ("１２３４５", "12345")],
)
def test_trademark_registration_numbers_are_1_to_8_digits(raw: str, number: str) -> None:
    assert ids.parse_trademark_registration(raw) == number


@pytest.mark.parametrize("raw", ["123456789", "", "0123", "12A45", "١٢٣"])
def test_other_trademark_registration_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_trademark_registration(raw)
    assert caught.value.code == "trademark_format"


@pytest.mark.parametrize(
    ("value", "expected"), [(1, 1), (45, 45), ("09", 9), ("第35类", 35), (" 25 ", 25)]
)
def test_nice_classes_run_from_1_to_45(value: int | str, expected: int) -> None:
    assert ids.check_nice_class(value) == expected


@pytest.mark.parametrize("value", [0, 46, -3, "-3", "46", "abc", "", True])
def test_other_nice_classes_are_refused(value: int | str) -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.check_nice_class(value)
    assert caught.value.code == "nice_class"


# --- resident ID numbers ---


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("11010519491231002X", "11010519491231002X"),  # the example in GB 11643-1999
        ("11010519491231002x", "11010519491231002X"),
        ("440524 18800101 0014", "440524188001010014"),  # the standard's other example
        ("810000199001011230", "810000199001011230"),  # a Hong Kong residence permit
    ],
)
def test_valid_resident_id_numbers_are_normalised(raw: str, number: str) -> None:
    assert ids.parse_resident_id(raw) == number


def test_a_resident_id_born_tomorrow_is_refused() -> None:
    tomorrow = (datetime.now(ids.SHANGHAI) + timedelta(days=1)).strftime("%Y%m%d")
    first17 = f"330106{tomorrow}123"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_resident_id(first17 + check)
    assert caught.value.code == "resident_id_birth_date"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11010519491231002", "resident_id_length"),
        ("110105491231002", "resident_id_length"),  # first generation, 15 digits
        ("1101051949123100XX", "resident_id_format"),
        ("990105194912310021", "resident_id_region"),
        ("110105194913310024", "resident_id_birth_date"),  # month 13
        ("110105194902300025", "resident_id_birth_date"),  # 30 February
        ("110105194912310021", "resident_id_checksum"),
    ],
)
def test_each_kind_of_bad_resident_id_has_its_own_error_code(raw: str, code: str) -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_resident_id(raw)
    assert caught.value.code == code


def test_a_resident_id_error_never_repeats_the_number() -> None:
    with pytest.raises(ids.InvalidIdentifier) as caught:
        ids.parse_resident_id("110105194912310021")
    assert "110105" not in str(caught.value)
    assert not caught.value.params


def test_a_resident_id_is_masked_to_region_and_last_four() -> None:
    assert ids.mask_resident_id("11010519491231002X") == "110105********002X"
    assert ids.mask_resident_id(" 11010519491231002x ") == "110105********002X"


def test_a_value_that_is_not_a_resident_id_is_masked_whole() -> None:
    assert ids.mask_resident_id("110105491231002") == "*" * 15


def test_a_mobile_number_keeps_its_first_three_and_last_four_digits() -> None:
    assert ids.mask_phone("13812345678") == "138****5678"
    assert ids.mask_phone("138 1234 5678") == "138****5678"
    assert ids.mask_phone("1234567") == "*******"
