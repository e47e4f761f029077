"""Text typed into search boxes, made safe to compare in either database."""

import unicodedata


def search_text(raw: str) -> str:
    """The text without control characters, stripped: PostgreSQL refuses a NUL in any text
    parameter (a 500 where SQLite found nothing), and no name or code holds a control character."""
    return "".join(ch for ch in raw if unicodedata.category(ch) != "Cc").strip()
