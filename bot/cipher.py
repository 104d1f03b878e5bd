"""Secrets encrypted at rest with the keys of TOKEN_ENCRYPTION_KEYS (Fernet).

Each key is 32 random bytes in URL-safe base64, as ``python -m bot keygen`` prints one.
The first key encrypts and every key decrypts (``MultiFernet``), so a key is rotated by
putting a new one first, re-encrypting (``python -m bot rotate-tokens``), and only then
removing the old one. Fernet authenticates what it encrypts: a record changed in Redis,
or read with none of its keys, fails to decrypt rather than giving a wrong token.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

HOW_TO_MAKE_ONE = "make one with `python -m bot keygen`"


class TokenUnreadable(Exception):
    """A sealed secret that none of the configured keys decrypts (or that was altered)."""


def new_key() -> str:
    """A fresh key in TOKEN_ENCRYPTION_KEYS's format."""
    return Fernet.generate_key().decode("ascii")


def split_keys(text: str) -> list[str]:
    """TOKEN_ENCRYPTION_KEYS's keys, in order: comma-separated, blanks around them ignored."""
    return [part.strip() for part in text.split(",") if part.strip()]


def key_problem(keys: Sequence[str]) -> str | None:
    """What is wrong with ``keys``, in words that name a key by its position, never its
    value; None when every key is a Fernet key."""
    if not keys:
        return f"no key given: {HOW_TO_MAKE_ONE}"
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:  # binascii.Error, a wrong length: both are ValueErrors
            return (
                f"key {position} of {len(keys)} is not 32 random bytes in URL-safe base64 "
                f"(44 characters ending in '='): {HOW_TO_MAKE_ONE}"
            )
    return None


class Cipher:
    """Seals and opens short secrets (bot tokens) with the configured keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        problem = key_problem(keys)
        if problem is not None:
            raise ValueError(f"TOKEN_ENCRYPTION_KEYS: {problem}")
        self._first = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])

    def seal(self, secret: str) -> str:
        """``secret`` encrypted with the first key (a new ciphertext every time)."""
        return self._all.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret ``sealed`` holds, with whichever key encrypted it."""
        try:
            return self._all.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise TokenUnreadable("no key of TOKEN_ENCRYPTION_KEYS decrypts it") from error

    def reseal(self, sealed: str) -> str:
        """``sealed`` encrypted again with the first key, its secret unchanged."""
        try:
            return self._all.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise TokenUnreadable("no key of TOKEN_ENCRYPTION_KEYS decrypts it") from error
