"""The signed answers' canonical JSON (`core.canonical`) is byte for byte what the `rfc8785`
library writes (RFC 8785), for any JSON value: the fast path may never sign other bytes than a
verifier using any RFC 8785 implementation computes."""

import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ipprotect.core import canonical

SAFE = 2**53 - 1

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-SAFE, max_value=SAFE)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.0, -0.0, 1.0, 0.5, 0.912, 1e-4, 9.99e-5, 1e-7, 1e16, 1e21, 2.0**53])
    | st.text()
    | st.sampled_from(["\u2028", "\x7f", "\x00\x1f", '"\\/', "𠀀", "\ud800", "杭州天衡电子"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(max_size=6) | st.sampled_from(["𠀀", "\uffff", "é", "a", "check_id"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


def reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except Exception as exc:  # the same refusal is expected from the fast path
        return type(exc)


@settings(max_examples=2000, deadline=None)
@given(values)
def test_the_bytes_are_rfc8785s_for_any_json_value(value: Any) -> None:
    expected = reference(value)
    if isinstance(expected, bytes):
        assert canonical.dumps(value) == expected
    else:
        with pytest.raises(expected):
            canonical.dumps(value)


def test_numbers_are_written_as_ecmascript_writes_them() -> None:
    assert canonical.dumps({"b": 1.0, "a": [0.912, -0.0, 1e-7, 1e21]}) == (
        b'{"a":[0.912,0,1e-7,1e+21],"b":1}'
    )


def test_keys_sort_by_utf16_code_units_outside_the_basic_plane() -> None:
    # U+20000 is D840 DC00 in UTF-16: before U+FFFF there, after it by code point.
    assert canonical.dumps({"\uffff": 1, "𠀀": 2}) == '{"𠀀":2,"\uffff":1}'.encode()


def test_what_rfc8785_refuses_is_refused() -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical.dumps({"n": 2**53})
    with pytest.raises(rfc8785.FloatDomainError):
        canonical.dumps([math.inf])
