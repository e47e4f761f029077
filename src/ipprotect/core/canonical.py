"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme), byte for byte as the `rfc8785`
library writes it, but through the standard library's C encoder where that gives the same bytes.

`rfc8785.dumps` is pure Python, character by character: at a signed answer of a restriction
check with ten listings it cost more than the Ed25519 signature. The C encoder with sorted keys,
no spaces and `ensure_ascii=False` writes what RFC 8785 prescribes (ECMAScript's JSON.stringify)
when every number is an integer JSON carries exactly (up to 2**53 - 1, I-JSON, RFC 7493 2.2),
every float is written by Python as ECMAScript writes it, every key sorts the same by code point
as by UTF-16 code unit, and every string is valid Unicode. Anything else (a float below 1e-4 or
an integral one beyond 2**53, a key outside the Basic Multilingual Plane, a lone surrogate, a
type JSON has not) goes to `rfc8785.dumps`, which writes it or raises as it always did.
"""

import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53 - 1
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)


class _NotPlainError(Exception):
    """The value has something the C encoder would write otherwise than RFC 8785."""


def _plain(value: Any) -> Any:
    """The value with floats written as ECMAScript writes them; raises _NotPlainError."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise _NotPlainError
        return int(value)
    if isinstance(value, float):
        # ECMAScript writes an integral number without a fraction (1.0 is "1", -0.0 is "0").
        if value.is_integer() and abs(value) <= _SAFE_INTEGER:
            return int(value)
        # Python's repr and ECMAScript both write the shortest digits that read back the same
        # number; both positionally from 1e-4 (below it Python writes an exponent, ECMAScript
        # only below 1e-6). A float that is not integral is below 2**52, so positional both.
        if 1e-4 <= abs(value) < _SAFE_INTEGER:
            return value
        raise _NotPlainError
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            # Keys sort by UTF-16 code unit in RFC 8785, by code point here: the same order
            # unless a key has a character outside the Basic Multilingual Plane.
            if not isinstance(key, str) or (not key.isascii() and max(key) > "\uffff"):
                raise _NotPlainError
            plain[key] = _plain(item)
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise _NotPlainError


def dumps(value: Any) -> bytes:
    """The RFC 8785 bytes of `value` (what `rfc8785.dumps` returns, or raises)."""
    try:
        return _ENCODER.encode(_plain(value)).encode("utf-8")
    except (_NotPlainError, UnicodeEncodeError):  # a lone surrogate cannot be UTF-8
        return rfc8785.dumps(value)
