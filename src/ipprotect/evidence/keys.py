"""The transparency log's Ed25519 signing key: created on first use in `data_dir/keys/log.key`
(mode 0600), read on every later use.

The file holds the signer key in the text form of golang.org/x/mod/sumdb/note
(`PRIVATE+KEY+<name>+<key ID>+<seed>`), so standard tools can read it. The key name is the log's
origin (c2sp.org/tlog-checkpoint): a key made for another origin is refused, because a changed
origin would silently give the log a new identity. Other keys of this instance (the witness
key, `witness.py`) are kept the same way by `stored_signer`.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ipprotect.evidence.note import Ed25519Signer, parse_signer_key
from ipprotect.settings import Settings


class LogKeyError(RuntimeError):
    """The key file does not belong to the configured log."""


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "log.key"


def log_signer(settings: Settings) -> Ed25519Signer:
    """The log's signer, named after `settings.log_origin`; the key is made on first use."""
    path = key_path(settings)
    signer = stored_signer(path, settings.log_origin)
    if signer.name != settings.log_origin:
        raise LogKeyError(
            f"{path} holds the key of log {signer.name!r}, not of {settings.log_origin!r}: "
            "set IPPROTECT_LOG_ORIGIN back, or move the key away to start a new log"
        )
    return signer


def stored_signer(path: Path, name: str) -> Ed25519Signer:
    """The Ed25519 key kept in `path`, made under `name` on first use. The caller checks the
    name it read back: a key made under another name is another identity."""
    if not path.exists():
        _create(path, Ed25519Signer(name, Ed25519PrivateKey.generate()))
    return parse_signer_key(path.read_text().strip())


def _create(path: Path, signer: Ed25519Signer) -> None:
    """Write the key beside its final name, then link it there: the link fails if another
    process made a key first, and nobody ever reads a half-written key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # whatever the umask: only the owner may read the key
        os.write(descriptor, (signer.to_text() + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made the key first: use theirs
    finally:
        temporary.unlink()
