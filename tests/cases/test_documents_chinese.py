"""Amounts in Chinese capitals (大写) as the PBOC's 支付结算办法 writes them, and dates and
periods as documents print them."""

import datetime as dt

import pytest

from ipprotect.cases.documents.chinese import capitals, date_text, figures, ordinal, period_text


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (3_000_000, "人民币叁万元整"),  # a fine of 30,000 yuan
        (140_950, "人民币壹仟肆佰零玖元伍角"),  # 支付结算办法 annex: ¥1,409.50
        (600_714, "人民币陆仟零柒元壹角肆分"),  # ¥6,007.14
        (32_504, "人民币叁佰贰拾伍元零肆分"),  # ¥325.04
        (10_000_000, "人民币壹拾万元整"),
        (100_010_000, "人民币壹佰万零壹佰元整"),
        (1_000_050_000, "人民币壹仟万零伍佰元整"),
        (10_000_002_000, "人民币壹亿零贰拾元整"),
        (50, "人民币伍角"),
        (5, "人民币伍分"),
        (0, "人民币零元整"),
    ],
)
def test_amounts_in_chinese_capitals(fen: int, text: str) -> None:
    assert capitals(fen) == text


def test_a_negative_amount_has_no_capitals() -> None:
    with pytest.raises(ValueError, match="negative"):
        capitals(-1)


def test_figures_dates_ordinals_and_periods_as_printed() -> None:
    assert figures(3_000_000) == "30,000.00"
    assert figures(1_234_567_89) == "1,234,567.89"
    assert date_text(dt.date(2026, 1, 5)) == "2026年1月5日"  # GB/T 9704-2012 7.3.5.3
    assert [ordinal(n) for n in (1, 5, 10, 12, 20, 23)] == [
        "一",
        "五",
        "十",
        "十二",
        "二十",
        "二十三",
    ]
    assert period_text(6, "months") == "6个月"
    assert period_text(7, "working_days") == "7个工作日"
    assert period_text(60, "days") == "60日"
