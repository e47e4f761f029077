"""Media types of evidence files, sniffed from their first bytes (after the WHATWG MIME
Sniffing standard's signatures) rather than trusted from the uploader, whose browser guesses
from the file name.

Container formats (ZIP, RIFF, ISO media) are refined by their inner markers or, for office
documents which are ZIP files, by the file name's extension.
"""

import mimetypes
from pathlib import PurePath

SNIFF_BYTES = 1445  # WHATWG MIME Sniffing 7.1: the resource header is at most 1445 bytes
OCTET_STREAM = "application/octet-stream"

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
    (b"ID3", "audio/mpeg"),
    (b"OggS\x00", "application/ogg"),
    (b"\x1f\x8b\x08", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"WARC/1.", "application/warc"),  # web archives (ISO 28500), how pages are captured
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc/.xls
]
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_ZIP = "application/zip"
_TEXT_STARTS = [
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<?xml", "application/xml"),
    (b"mime-version:", "multipart/related"),  # MHTML page captures (RFC 2557)
]
# WHATWG 7.1: bytes that never occur in text.
_BINARY = set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20))


def media_type(head: bytes, filename: str | None = None) -> str:
    """The media type of a file from its first `SNIFF_BYTES` bytes and, for containers and
    plain text, its name."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return _refine(kind, filename)
    if head.startswith(b"RIFF") and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[4:8] == b"ftyp":
        return "video/mp4"  # ISO base media file format
    if head.startswith(b"PK\x03\x04"):
        return _refine(_ZIP, filename)
    text = head.lstrip(b" \t\r\n\xef\xbb\xbf").lower()
    for start, kind in _TEXT_STARTS:
        if text.startswith(start):
            return kind
    if head and not _BINARY.intersection(head):
        guessed = _by_name(filename)
        return guessed if guessed and guessed.startswith("text/") else "text/plain"
    return OCTET_STREAM


def _refine(kind: str, filename: str | None) -> str:
    """A ZIP or OLE file whose name says which office format it is, is that format."""
    guessed = _by_name(filename)
    if kind == _ZIP and guessed and guessed.startswith("application/vnd."):
        return guessed
    if kind == "application/x-ole-storage":
        return guessed if guessed in ("application/msword", "application/vnd.ms-excel") else kind
    return kind


def _by_name(filename: str | None) -> str | None:
    if not filename:
        return None
    guessed, _encoding = mimetypes.guess_type(PurePath(filename).name, strict=False)
    return guessed
