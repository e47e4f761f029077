"""Search text: control characters out, so PostgreSQL never sees a NUL it would refuse."""

from ipprotect.core.text import search_text


def test_search_text_drops_control_characters_and_keeps_chinese_and_spaces_inside() -> None:
    assert search_text(" 杭州\x00龙井\t茶业 有限公司\n") == "杭州龙井茶业 有限公司"
    assert search_text("\x00") == ""
