"""argon2id hashes for admin passwords."""

from gateway.adapters.passwords import Argon2Passwords


def test_passwords_are_hashed_with_argon2id_and_verified() -> None:
    passwords = Argon2Passwords()
    hashed = passwords.hash("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "correct horse battery" not in hashed
    assert passwords.verify(hashed, "correct horse battery")
    assert not passwords.verify(hashed, "Correct horse battery")


def test_without_a_hash_nothing_verifies() -> None:
    passwords = Argon2Passwords()
    assert not passwords.verify(None, "anything")
    assert not passwords.verify(None, "decoy: compared against when the username is unknown")
    assert not passwords.verify("not-a-hash", "anything")
