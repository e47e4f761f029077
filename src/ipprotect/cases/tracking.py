"""Tracking codes: the key a complainant follows a case with, without an account.

Twelve characters from a base-32 alphabet without the look-alikes 0/O and 1/I: 60 random bits,
so codes cannot be guessed or enumerated, and read aloud over the hotline without confusion.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 12


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """As typed: case, spaces and dashes do not matter; O and I are read as 0 and 1 would be
    (never issued), so a mistyped code simply finds nothing."""
    return "".join(c for c in text.upper() if c not in " -")


def looks_valid(code: str) -> bool:
    return len(code) == LENGTH and all(c in ALPHABET for c in code)
