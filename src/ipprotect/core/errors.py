"""RFC 9457 problem details with stable codes.

Every bad input gets a 4xx `application/problem+json` body:
`{"type", "title", "status", "code", "detail", "errors": [{"field", "code", "message"}]}`.
`code` values are stable: clients and translations key on them, never on the English text.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ipprotect.web.i18n import N_

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    """One bad field. `message` is an English template (the msgid pages translate) filled from
    `params`, so the same error reads in Chinese next to the field and in English in the API."""

    field: str  # dotted path into the input, e.g. "uscc" or "rights.0.number"
    code: str
    message: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.message).format(**self.params)

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "message": self.text()}


@dataclass
class Problem(Exception):  # noqa: N818 - a problem document (RFC 9457), not only an error
    """Raised by services and handlers; rendered as problem+json by the app."""

    status: int
    code: str
    title: str
    detail: str = ""
    errors: list[FieldError] = dataclasses.field(default_factory=list)
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://ipprotect.org/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = [e.as_json() for e in self.errors]
        return body


def invalid(errors: list[FieldError], title: str = N_("The input is not valid")) -> Problem:
    return Problem(422, "validation_failed", title, errors=errors)


def not_found(what: str) -> Problem:
    return Problem(404, "not_found", N_("Not found"), what)


def forbidden(detail: str = "") -> Problem:
    return Problem(403, "forbidden", N_("You may not do this"), detail)


def unauthenticated() -> Problem:
    return Problem(401, "unauthenticated", N_("Log in or send an API token"))


def conflict(code: str, title: str, detail: str = "") -> Problem:
    return Problem(409, code, title, detail)


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(
        problem.body(), status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    # FastAPI prefixes the location with where it was read from (body, query, path...).
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts)


def install(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json (pages install their own HTML view)."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Any:
        renderer = getattr(request.app.state, "problem_page", None)
        if renderer is not None and wants_html(request):
            return renderer(request, exc)
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(_field_path(tuple(e["loc"])), e["type"], _literal(e["msg"]))
            for e in exc.errors()
        ]
        return problem_response(invalid(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
        problem = Problem(
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            str(exc.detail),
            headers=dict(exc.headers or {}),
        )
        renderer = getattr(request.app.state, "problem_page", None)
        if renderer is not None and wants_html(request):
            return renderer(request, problem)
        return problem_response(problem)


def _literal(text: str) -> str:
    """Pydantic's messages are plain text that may quote a pattern such as ^\\d{6}$; a
    FieldError message is a template, so its braces are escaped."""
    return text.replace("{", "{{").replace("}", "}}")


def wants_html(request: Request) -> bool:
    """Pages get HTML errors; the API (and anything asking for JSON) gets problem+json."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")
