"""Rendering case documents: the Chinese templates beside this module, filled from a context
that `service` builds, and the standalone printable file that is deposited in the evidence log.

The templates are rendered in Chinese whatever the reader's locale (an official document has one
text), with autoescaping and strict undefined names, so a missing field fails the issue instead of
printing a blank. The deposited file is the article wrapped in a complete HTML page with the A4
print layout; `standalone` is deterministic, so the stored article always hashes back to the
deposit.
"""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape

TEMPLATES = Path(__file__).with_name("templates")
MEDIA_TYPE = "text/html; charset=utf-8"

# GB/T 9704-2012 5.2 and 7: A4, margins of 37 mm (top), 35 mm (bottom), 28 mm (left) and 26 mm
# (right); title in a 2号 song typeface (22 pt), body in 3号 仿宋 (16 pt); authority and date
# right-aligned under the text.
DOCUMENT_CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
.official-document { font-family: "FangSong", "仿宋", "STFangsong", serif; font-size: 16pt;
  line-height: 1.75; color: #000; max-width: 156mm; margin: 0 auto; }
.official-document .head { text-align: center; }
.official-document .authority { font-size: 22pt; margin: 0; }
.official-document h1 { font-family: "SimSun", "宋体", "STSong", serif; font-size: 22pt;
  font-weight: bold; margin: 0.2em 0; }
.official-document .number { margin: 0 0 1.5em; }
.official-document p { margin: 0; text-indent: 2em; white-space: pre-wrap; }
.official-document .party, .official-document .party-detail,
.official-document .addressee { text-indent: 0; }
.official-document ol { list-style: none; padding: 0; margin: 0; }
.official-document li { text-indent: 2em; }
.official-document .signature { margin-top: 3em; text-align: right; }
.official-document .signature p { text-indent: 0; }
.official-document .signature .sign { text-align: left; margin-bottom: 1.5em; }
"""

_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def article(template: str, context: dict[str, Any]) -> str:
    """The document's article (HTML), as stored and shown on the document page."""
    return _ENV.get_template(template).render(**context)


def standalone(title: str, html: str) -> bytes:
    """The file deposited in the evidence log: a complete page that prints on its own."""
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style>{DOCUMENT_CSS}</style>\n</head>\n<body>\n{html}</body>\n</html>\n"
    )
    return page.encode("utf-8")
