"""How amounts and dates are written in Chinese official documents. Pure functions, no I/O.

Amounts are written twice: in figures, and in capital numerals (大写) that cannot be altered by
adding a stroke, as the People's Bank of China's 支付结算办法 (1997) annex 1 prescribes for the
Chinese capital amount: 零壹贰叁肆伍陆柒捌玖拾佰仟万亿, 元角分, "整" after 元, no "整" after 分,
one 零 for a run of zeros in the middle. Dates follow GB/T 9704-2012 7.3.5.3: the year, month
and day in Arabic numerals, in full, e.g. 2026年1月5日.
"""

import datetime as dt

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("仟", "佰", "拾", "")  # of the four digits of a group, most significant first
BIG_UNITS = ("", "万", "亿", "万亿")  # of each group of four digits, least significant first


def _group(number: int) -> str:
    """0 < number < 10000 in capitals, zeros inside the group as one 零, none at its end."""
    text, zero = "", False
    for unit, digit in zip(SMALL_UNITS, f"{number:04d}", strict=True):
        if digit == "0":
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[int(digit)] + unit
    return text


def _integer(number: int) -> str:
    """number > 0 in capitals: 壹拾万, 壹仟万零伍佰, 壹亿零贰拾."""
    groups = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    if len(groups) > len(BIG_UNITS):
        raise ValueError("amount too large")
    text, zero = "", False
    for position in range(len(groups) - 1, -1, -1):
        group = groups[position]
        if group == 0:
            zero = bool(text)
            continue
        if text and (zero or group < 1000):
            text += "零"
        text += _group(group) + BIG_UNITS[position]
        zero = False
    return text


def capitals(fen: int) -> str:
    """An amount in fen as the Chinese capital amount: 3_000_000 -> 人民币叁万元整,
    140_950 -> 人民币壹仟肆佰零玖元伍角, 32_504 -> 人民币叁佰贰拾伍元零肆分."""
    if fen < 0:
        raise ValueError("a negative amount")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    text = _integer(yuan) + "元" if yuan else ""
    if not jiao and not cents:
        return "人民币" + (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"  # 325.04 -> 叁佰贰拾伍元零肆分
    if cents:
        text += DIGITS[cents] + "分"
    return "人民币" + text


def ordinal(n: int) -> str:
    """1..99 as the numeral that heads an item of a list: 一, 十, 十二, 二十三."""
    if not 0 < n < 100:
        raise ValueError("an ordinal of 1 to 99")
    tens, ones = divmod(n, 10)
    numerals = "〇一二三四五六七八九"
    head = "" if tens == 0 else ("十" if tens == 1 else numerals[tens] + "十")
    return head + (numerals[ones] if ones else "")


def figures(fen: int) -> str:
    """An amount in fen in figures with thousands separators: 3_000_000 -> 30,000.00."""
    yuan, rest = divmod(fen, 100)
    return f"{yuan:,}.{rest:02d}"


def date_text(day: dt.date) -> str:
    """GB/T 9704-2012 7.3.5.3: 2026年1月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(amount: int, unit: str) -> str:
    """A period as a document quotes it: 60日, 6个月, 15日, 7个工作日, 2年."""
    words = {"days": "日", "working_days": "个工作日", "months": "个月", "years": "年"}
    return f"{amount}{words[unit]}"
