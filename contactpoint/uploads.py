"""Uploaded files: checked by size and by content on the way in, downloaded, never shown.

An extension says nothing about a file: ``report.pdf`` may be an HTML page or an SVG with a
script, which a browser would run on our origin if the file were served inline. So an
upload must be one of the allowed kinds *by its first bytes* as well as by its name, at
most ``UPLOAD_MAX_BYTES``; and every upload goes back out through ``download_response``:
as an attachment, with a content type from the allow-list (never HTML), ``nosniff`` and a
sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

ZIP = b"PK\x03\x04"
# Extension -> (content type served, signatures the file must start with; () for text).
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    "csv": ("text/csv", ()),
}
_SNIFF_BYTES = 8192
# What browsers sniff as markup, whatever the name says.
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<head", b"<iframe")


def extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _head(upload: Any) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else None
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(position or 0)
    return head if isinstance(head, bytes) else head.encode()


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return not lowered.startswith(_MARKUP) and not any(tag in lowered for tag in _MARKUP[:4])


def check_upload(upload: Any, *, allowed: tuple[str, ...]) -> None:
    """ValidationError unless ``upload`` is small enough and really one of ``allowed``."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is too large: the limit is %(mb)s MB.")
            % {"mb": f"{limit / (1024 * 1024):g}"},
            code="file_too_large",
        )
    kind = extension(upload.name)
    if kind not in allowed or kind not in KINDS:
        raise ValidationError(
            _("This kind of file is not accepted. Allowed: %(kinds)s.")
            % {"kinds": ", ".join(allowed)},
            code="file_kind",
        )
    head = _head(upload)
    signatures = KINDS[kind][1]
    matches = head.startswith(signatures) if signatures else _looks_like_text(head)
    if not head or not matches:
        raise ValidationError(
            _("The file's content is not a %(kind)s file, whatever its name says.")
            % {"kind": kind.upper()},
            code="file_content",
        )


def content_type(name: str) -> str:
    """The type a stored file is served with: from the allow-list, else opaque bytes."""
    return KINDS.get(extension(name), ("application/octet-stream", ()))[0]


def download_response(stored: Any, *, filename: str) -> FileResponse:
    """A stored upload as a download that no browser renders as a page."""
    response = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type(stored.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
