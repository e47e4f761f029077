"""The blob store: evidence files under `data_dir/blobs`, named by their SHA-256.

Uploads are streamed in chunks to a temporary file beside the store while they are hashed, so a
2 GB file never sits in memory; the file is synced and then renamed to its hash, so a blob that
exists is complete. The same content deposited twice is stored once.
"""

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ipprotect.core.errors import FieldError, Problem
from ipprotect.evidence.sniff import SNIFF_BYTES, media_type
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

CHUNK = 1024 * 1024
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Blob:
    sha256: str  # lower-case hex
    size: int
    media_type: str


class BlobStore:
    def __init__(self, root: Path, max_size: int) -> None:
        self.root = root
        self.max_size = max_size

    @classmethod
    def of(cls, settings: Settings) -> "BlobStore":
        return cls(settings.data_dir / "blobs", settings.blob_max_size)

    def path(self, sha256: str) -> Path:
        if not SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, stream: BinaryIO, filename: str | None = None) -> Blob:
        """Store what `stream` yields. Raises a 413 problem, keeping nothing, when it is larger
        than the limit."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        descriptor, name = tempfile.mkstemp(dir=incoming)
        temporary = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_size:
                        raise too_large(self.max_size)
                    if len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            # rename is atomic; a blob already there has the same content (same hash).
            os.replace(temporary, final)
            _sync_directory(final.parent)
        finally:
            temporary.unlink(missing_ok=True)
        return Blob(sha256, size, media_type(head, filename))

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")


def describe(stream: BinaryIO, filename: str | None = None) -> Blob:
    """The hash, size and media type of what `stream` yields, storing nothing: for a file that
    is deposited by its hash only and stays where it is."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
    return Blob(digest.hexdigest(), size, media_type(head, filename))


def too_large(limit: int) -> Problem:
    return Problem(
        413,
        "file_too_large",
        N_("The file is too large"),
        errors=[
            FieldError(
                "file",
                "too_large",
                N_("The file is larger than the limit of {limit} bytes; deposit its hash instead"),
                {"limit": limit},
            )
        ],
    )


def _sync_directory(path: Path) -> None:
    """fsync a directory so the rename that made a blob survives a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
