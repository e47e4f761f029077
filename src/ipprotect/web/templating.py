"""The Jinja environment shared by every domain's pages, and small helpers for rendering."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from ipprotect.core.deps import csrf_token
from ipprotect.core.errors import FieldError
from ipprotect.web.i18n import LOCALES, get_locale, gettext

PACKAGE = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _template_dirs() -> list[str]:
    """web/templates first, then every domain's own templates/ folder."""
    dirs = [PACKAGE / "web" / "templates"]
    dirs += sorted(p for p in PACKAGE.glob("*/templates") if p.parent.name != "web")
    return [str(d) for d in dirs]


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored UTC, shown in Asia/Shanghai."""
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters changed (for pagination and sort links)."""
    params = dict(request.query_params)
    params.update({k: v for k, v in changes.items() if v is not None})
    return "?" + urlencode({k: v for k, v in params.items() if v != ""})


def field_errors(errors: list[FieldError]) -> dict[str, str]:
    """Translated messages keyed by field, for showing each next to its input."""
    return {e.field: e.text(gettext) for e in errors}


env = Environment(
    loader=ChoiceLoader([FileSystemLoader(_template_dirs())]),
    autoescape=select_autoescape(["html", "xml"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=gettext, ngettext=lambda s, p, n: gettext(s if n == 1 else p), newstyle=True
)
env.filters["local_time"] = local_time
env.filters["iso_date"] = iso_date
env.globals["locales"] = LOCALES
env.globals["now"] = lambda: datetime.now(UTC)

templates = Jinja2Templates(env=env)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("errors", {})
    context["request"] = request
    context["locale"] = get_locale()
    context["csrf_token"] = csrf_token(request)
    context["query"] = lambda **kw: query(request, **kw)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
