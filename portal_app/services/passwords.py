"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 1000
_hasher = PasswordHasher()
# A real hash of a random string, verified against when there is no user, so that an unknown
# email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("no such user: timing equaliser")


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password (the whole password, never truncated)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return True when the password matches the hash; a missing hash still costs one verify."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A few words in a row make a good password."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    hints = [part for part in (email, email.split("@")[0], name) if part]
    # zxcvbn takes at most 72 characters: longer passphrases are strong by length alone.
    result = zxcvbn(password[:72], user_inputs=hints)
    if result["score"] < 2:
        warning = result["feedback"].get("warning") or "It is too easy to guess."
        return f"{warning.rstrip('.')}. Choose a less common password."
    return None
