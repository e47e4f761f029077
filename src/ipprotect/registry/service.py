"""(being written)"""

from sqlalchemy.orm import Session

from ipprotect.core.scope import Scope


def dashboard_counts(session: Session, scope: Scope) -> dict[str, int]:
    return {}
