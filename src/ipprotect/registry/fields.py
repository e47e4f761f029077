"""Checks of single typed fields that both the registry's validation (service) and its lookups
(repository) need: each problem is collected as a FieldError, never raised."""

from ipprotect.core import ids
from ipprotect.core.errors import FieldError
from ipprotect.registry.models import RightKind
from ipprotect.web.i18n import N_


def check_length(errors: list[FieldError], name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.append(
            FieldError(name, "too_long", N_("Use at most {limit} characters"), {"limit": limit})
        )


def right_number(
    errors: list[FieldError], kind: RightKind | None, raw: str
) -> tuple[str | None, str | None]:
    """The canonical number and, for patents, the patent kind the number encodes."""
    raw = raw.strip()
    if kind is RightKind.TRADE_SECRET:
        if raw:
            errors.append(
                FieldError("number", "not_allowed", N_("A trade secret has no public number"))
            )
        return None, None
    if kind in (RightKind.PATENT, RightKind.TRADEMARK) and not raw:
        errors.append(FieldError("number", "required", N_("This field is required")))
        return None, None
    try:
        if kind is RightKind.PATENT:
            patent = ids.parse_patent_application(raw)
            return patent.number, patent.kind
        if kind is RightKind.TRADEMARK:
            return ids.parse_trademark_registration(raw), None
    except ids.InvalidIdentifier as exc:
        errors.append(exc.field_error("number"))
        return None, None
    check_length(errors, "number", raw, 64)
    return raw or None, None
