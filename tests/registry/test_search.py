"""Name folding and prefix ranges: pure functions, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipprotect.registry.search import core, fold, looks_like_uscc, normalise_code, successor


def test_traditional_and_simplified_names_fold_to_the_same_key() -> None:
    assert fold("杭州西湖龍井茶業有限公司") == fold("杭州西湖龙井茶业有限公司")


def test_full_width_letters_spaces_and_brackets_do_not_matter() -> None:
    assert (
        fold("ＡＢＣ科技（杭州） 有限公司")
        == fold("abc科技(杭州)有限公司")
        == "abc科技杭州有限公司"
    )


def test_core_drops_the_leading_place_and_the_trailing_legal_form() -> None:
    assert core("杭州西湖龙井茶业有限公司") == "西湖龙井茶业"
    assert core("浙江省杭州市西湖区文三路茶叶店") == "文三路茶叶店"
    assert core("新疆维吾尔自治区天山果业集团有限公司") == "天山果业"


def test_core_drops_a_place_or_legal_form_in_brackets() -> None:
    assert core("滨江科技（杭州）有限公司") == "滨江科技"
    assert core("北京某某律师事务所（特殊普通合伙）") == "某某律师事务所"


def test_core_keeps_district_and_prefecture_names_that_are_trade_words() -> None:
    # 西湖 (a district) and 阿里 (a prefecture) are left: they are also trade names.
    assert core("西湖龙井茶业有限公司").startswith("西湖")
    assert core("阿里巴巴（中国）网络技术有限公司") == "阿里巴巴网络技术"


def test_english_legal_forms_are_cut_only_at_a_word_boundary() -> None:
    assert core("Apple Computer Co., Ltd.") == "applecomputer"
    assert core("Costco") == "costco"


def test_core_of_a_name_that_is_only_a_place_and_a_form_is_not_empty() -> None:
    assert core("杭州有限公司")
    assert core("杭州") == "杭州"


def test_a_typed_credit_code_is_normalised() -> None:
    assert normalise_code(" 91 3301-06ｍａ2ａ ") == "913301" + "06MA2A"
    assert looks_like_uscc("91330106 ma2aoooo0s") is None  # O and S are not in the alphabet
    assert looks_like_uscc("91330106-MA2A-UW3L-4Q") == "91330106MA2AUW3L4Q"


# U+10FFFF, the last code point, has no successor (see `successor`).
_TEXT = st.text(alphabet=st.characters(max_codepoint=0x10FFFE, exclude_categories=["Cs"]))


@given(_TEXT.filter(bool), _TEXT)
def test_successor_bounds_exactly_the_strings_with_the_prefix(prefix: str, text: str) -> None:
    upper = successor(prefix)
    candidate = prefix + text
    assert prefix <= candidate < upper
    # A string without the prefix is outside [prefix, successor(prefix)).
    if not text.startswith(prefix):
        assert not (prefix <= text < upper)


def test_successor_skips_surrogates_and_needs_a_prefix() -> None:
    assert successor("a\ud7ff") == "a\ue000"
    with pytest.raises(ValueError, match="empty prefix"):
        successor("")
