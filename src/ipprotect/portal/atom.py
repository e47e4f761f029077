"""Atom feeds (RFC 4287) of the portal, built with the standard library's ElementTree so that
every text is escaped: a feed with its id, title, updated, author and self link, entries with
their id, title, updated, alternate link and summary."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class Entry:
    id: str  # a URI that never changes (RFC 4287 sec. 4.2.6)
    title: str
    updated: dt.datetime
    link: str
    summary: str


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _time(value: dt.datetime) -> str:
    """RFC 3339 with its offset, as sec. 3.3 requires."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat(timespec="seconds")


def feed(
    *,
    feed_id: str,
    title: str,
    self_link: str,
    alternate: str,
    author: str,
    entries: Iterable[Entry],
    empty_updated: dt.datetime,
    lang: str,
) -> bytes:
    """The feed's XML. Its `updated` is the newest entry's, or `empty_updated` without any."""
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _el(root, "id", feed_id)
    _el(root, "title", title)
    updated = _el(root, "updated")
    _el(_el(root, "author"), "name", author)
    _el(root, "link", rel="self", href=self_link, type="application/atom+xml")
    _el(root, "link", rel="alternate", href=alternate, type="text/html")
    newest: dt.datetime | None = None
    for entry in entries:
        node = _el(root, "entry")
        _el(node, "id", entry.id)
        _el(node, "title", entry.title)
        _el(node, "updated", _time(entry.updated))
        _el(node, "link", rel="alternate", href=entry.link, type="text/html")
        _el(node, "summary", entry.summary)
        newest = entry.updated if newest is None or entry.updated > newest else newest
    updated.text = _time(newest or empty_updated)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
