"""Every user-visible string has a Chinese translation (zh_CN is the default locale)."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from ipprotect.web.i18n import LOCALE_DIR, catalog

SRC = Path(__file__).resolve().parents[2] / "src" / "ipprotect"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def extracted() -> dict[str, str]:
    """msgid -> where it was first found."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SRC), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_the_extraction_finds_the_shell_strings() -> None:
    messages = extracted()
    assert "Dashboard" in messages
    assert "Log in" in messages


def test_every_msgid_has_a_chinese_translation() -> None:
    zh = catalog("zh_CN")
    missing = {msgid: where for msgid, where in extracted().items() if msgid not in zh}
    assert not missing, "untranslated (add them to web/locale/zh_CN/<area>.po):\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda x: x[1])
    )


def test_no_msgid_is_translated_differently_in_two_catalogs() -> None:
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted((LOCALE_DIR / "zh_CN").glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f):
                if not message.id or not message.string:
                    continue
                previous = seen.setdefault(str(message.id), (str(message.string), path.name))
                if previous[0] != message.string:
                    clashes.append(f"{message.id!r}: {previous} vs {(message.string, path.name)}")
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("placeholder", ["%(", "{"])
def test_translations_keep_their_placeholders(placeholder: str) -> None:
    zh = catalog("zh_CN")
    broken = [
        msgid for msgid, text in zh.items() if msgid.count(placeholder) != text.count(placeholder)
    ]
    assert not broken, broken
