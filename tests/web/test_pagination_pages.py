"""Lists longer than a page render their pager links (the pager macro needs the page context)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from ipprotect.settings import Settings
from tests.conftest import login
from tests.factories import PASSWORD, XIHU, make_user
from tests.registry.factories import make_entity


def test_a_list_of_more_than_one_page_links_to_the_next_page(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "page_size", 2)
    for _ in range(3):
        make_entity(db, region_code=XIHU)
    officer = make_user(db, Role.OFFICER, [XIHU])
    login(client, officer.username, PASSWORD)
    first = client.get("/registry/entities")
    assert first.status_code == 200
    assert 'rel="next"' in first.text
    second = client.get("/registry/entities?page=2")
    assert 'rel="prev"' in second.text


def test_the_accounts_list_pages_too(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "page_size", 2)
    admin = make_user(db, Role.ADMIN, [XIHU])
    for _ in range(2):
        make_user(db, Role.OFFICER, [XIHU])
    login(client, admin.username, PASSWORD)
    assert 'rel="next"' in client.get("/admin").text
