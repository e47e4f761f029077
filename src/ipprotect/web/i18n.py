"""Message catalogs: English msgids, translated to zh_CN (the default locale).

Each domain keeps its own catalog, `web/locale/zh_CN/<domain>.po`, so domains do not edit one
shared file; they are merged at start-up. `tests/web/test_i18n.py` extracts every msgid from the
code and templates and fails when one has no Chinese translation.
"""

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@lru_cache
def catalog(locale: str) -> dict[str, str]:
    if locale == "en":
        return {}
    messages: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / locale).glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale=locale):
                if message.id and isinstance(message.id, str) and message.string:
                    messages[message.id] = str(message.string)
    return messages


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return catalog(_current.get()).get(message, message)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop name
    """Mark a msgid for extraction where it is translated later (enum labels, dashboard keys)."""
    return message
