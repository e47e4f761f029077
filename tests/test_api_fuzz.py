"""Bad input never causes a 500: schemathesis generates requests from the OpenAPI schema for
every API operation and sends them, as an officer's API token, to the app under test; any 5xx
fails. (The same run against a live server as admin, officer and anonymous: see the issue note.)
"""

import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from ipprotect.app import create_app
from ipprotect.core import audit
from ipprotect.core.auth import Role, create_token
from ipprotect.settings import Settings
from tests.factories import XIHU
from tests.registry.factories import make_entity, make_right


def _openapi() -> dict[str, object]:
    """The schema is static: read it from an app that never touches a database."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir), secret_key="schema"))
        schema = app.openapi()
        app.state.engine.dispose()
        return schema


schema = schemathesis.openapi.from_dict(_openapi())
# RFC 3161 queries (POST /api/v1/evidence/tsa) are sent like any other binary body.
schemathesis.serializer.alias("application/timestamp-query", "application/octet-stream")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_api_operation_answers_a_server_error(
    case: schemathesis.Case, client: TestClient, db: Session
) -> None:
    if not db.info.get("fuzz_token"):
        make_right(db, make_entity(db, region_code=XIHU))
        _, token = create_token(
            db, audit.SYSTEM, name="fuzz", region_codes=[XIHU], role=Role.OFFICER
        )
        db.info["fuzz_token"] = token
    headers = {"Authorization": f"Bearer {db.info['fuzz_token']}"}
    request = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    response = client.request(
        request["method"],
        request["url"],
        headers=request.get("headers"),
        params=request.get("params"),
        content=request.get("content") or request.get("data"),
        json=request.get("json"),
        files=request.get("files"),
    )
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
