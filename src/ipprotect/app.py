"""The FastAPI application factory: settings, database, middleware and every domain's routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from ipprotect import __version__
from ipprotect.cases import api as cases_api
from ipprotect.cases import pages as cases_pages
from ipprotect.cases.documents import numbering
from ipprotect.core import errors
from ipprotect.core.deps import csrf_protect
from ipprotect.credit import api as credit_api
from ipprotect.credit import check_api as credit_check_api
from ipprotect.credit import pages as credit_pages
from ipprotect.credit import publicity_api as credit_publicity_api
from ipprotect.credit import publicity_pages as credit_publicity_pages
from ipprotect.credit import screen_pages as credit_screen_pages
from ipprotect.damages import api as damages_api
from ipprotect.damages import pages as damages_pages
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import api as evidence_api
from ipprotect.evidence import (
    deposit_api,
    log_pages,
    proof_api,
    tsa_api,
    verify_pages,
    witness_api,
)
from ipprotect.evidence import pages as evidence_pages
from ipprotect.evidence.publication import Keeper
from ipprotect.evidence.sequencer import GroupCommit
from ipprotect.portal import pages as portal_pages
from ipprotect.registry import api as registry_api
from ipprotect.registry import pages as registry_pages
from ipprotect.settings import Settings, get_settings
from ipprotect.web import admin, pages
from ipprotect.web import rules as rules_pages
from ipprotect.web.request_context import RequestContext

STATIC = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keeper = None
        if settings.startup_check or settings.publish_interval_seconds > 0:
            keeper = Keeper(settings, lambda: app.state.sessionmaker())
            keeper.start()
        app.state.keeper = keeper
        yield
        if keeper is not None:
            keeper.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="ipprotect",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.settings = settings
    rules_pages.load_rules(settings)  # a broken rule file stops the platform here
    numbering.check(settings)  # and so does a broken authorities file (文号)
    app.state.engine = make_engine(settings)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    # Looked up per batch, like the keeper's sessions, so tests can point it at their transaction.
    app.state.deposits = GroupCommit(lambda: app.state.sessionmaker())

    errors.install(app)
    app.state.problem_page = pages.problem_page

    app.add_middleware(RequestContext, default_locale=settings.default_locale)
    # Added last so it runs first: the session must exist before the routes read it.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="ipprotect_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        pages.router,
        admin.router,
        admin.api,
        rules_pages.router,
        registry_api.router,
        registry_pages.router,
        evidence_api.router,
        witness_api.router,
        proof_api.router,
        log_pages.router,
        deposit_api.router,
        evidence_pages.router,
        verify_pages.router,
        tsa_api.router,
        damages_api.router,
        damages_pages.router,
        cases_api.router,
        cases_pages.router,
        credit_api.router,
        credit_check_api.router,
        credit_screen_pages.router,
        credit_pages.router,
        credit_publicity_api.router,
        credit_publicity_pages.router,
        portal_pages.router,
    ):
        app.include_router(router)
    return app
