"""The upload handler set in settings (``FILE_UPLOAD_HANDLERS``): every uploaded file is written
to a temporary file as it arrives (kept in memory only when the whole request is at most
``FILE_UPLOAD_MAX_MEMORY_SIZE``), hashed with SHA-256 on the way, and capped at
``TINHSO_UPLOAD_MAX_BYTES`` while its bytes arrive.

It has to be set in settings, not per view: the CSRF check and ``MalformedInputMiddleware``
read ``request.POST`` (and so parse the files) before any view runs.

A file that passes the cap is dropped at once (the temporary file closed and removed, the rest
of its bytes read and thrown away) and stands in ``request.FILES`` as an ``OversizedUpload``:
no content, its name and the number of bytes that arrived. Every view already refuses a file
whose ``size`` is above the cap (``tinhso.uploads.check_upload`` does, in the field's words and
in the API's JSON), and the request's other fields and files are still parsed, so a form shows
its error beside the field rather than a bare error page.
"""

import hashlib
import io
import os
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    TemporaryUploadedFile,
    UploadedFile,
)
from django.core.files.uploadhandler import FileUploadHandler


class HashedTemporaryUploadedFile(TemporaryUploadedFile):
    """An upload on disk whose SHA-256 was computed as it arrived."""

    sha256: str = ""


class HashedInMemoryUploadedFile(InMemoryUploadedFile):
    """A small upload kept in memory whose SHA-256 was computed as it arrived."""

    sha256: str = ""


class OversizedUpload(UploadedFile):
    """A file refused while it arrived for passing the cap: nothing of it is kept."""

    def __init__(self, name: str | None, content_type: str | None, size: int) -> None:
        super().__init__(io.BytesIO(), name, content_type, size)


def streamed_sha256(upload: UploadedFile) -> str | None:
    """The SHA-256 the handler computed while ``upload`` arrived, or None."""
    if isinstance(upload, HashedTemporaryUploadedFile | HashedInMemoryUploadedFile):
        return upload.sha256 or None
    return None


class CappedUploadHandler(FileUploadHandler):
    """Writes each file to a temporary file (or memory, for a small request), hashing it and
    refusing it past ``TINHSO_UPLOAD_MAX_BYTES``."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.in_memory = False
        self.file: HashedTemporaryUploadedFile | io.BytesIO | None = None
        self.received = 0
        self.digest = hashlib.sha256()
        self.oversized = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # As Django's MemoryFileUploadHandler: a seekable stream (ASGI) tells its real length,
        # which a chunked request's Content-Length does not.
        stream = getattr(input_data, "_stream", input_data)
        try:
            content_length = stream.seek(0, os.SEEK_END)
        except (io.UnsupportedOperation, AttributeError):
            pass
        else:
            stream.seek(0)
        self.in_memory = (
            content_length is not None and content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        )

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.digest = hashlib.sha256()
        self.oversized = False
        if self.in_memory:
            self.file = io.BytesIO()
        else:
            self.file = HashedTemporaryUploadedFile(
                self.file_name or "tep", self.content_type, 0, self.charset, self.content_type_extra
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.oversized:
            return None
        if self.received > settings.TINHSO_UPLOAD_MAX_BYTES:
            self.oversized = True
            self._discard()
            return None
        assert self.file is not None
        self.digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.oversized:
            return OversizedUpload(self.file_name, self.content_type, file_size)
        sha256 = self.digest.hexdigest()
        if isinstance(self.file, HashedTemporaryUploadedFile):
            self.file.seek(0)
            self.file.size = file_size
            self.file.sha256 = sha256
            return self.file
        if isinstance(self.file, io.BytesIO):
            self.file.seek(0)
            upload = HashedInMemoryUploadedFile(
                file=self.file,
                field_name=self.field_name,
                name=self.file_name,
                content_type=self.content_type,
                size=file_size,
                charset=self.charset,
                content_type_extra=self.content_type_extra,
            )
            upload.sha256 = sha256
            return upload
        return None

    def upload_interrupted(self) -> None:
        self._discard()

    def _discard(self) -> None:
        """Close the file being written and remove it from disk."""
        if isinstance(self.file, HashedTemporaryUploadedFile):
            path = self.file.temporary_file_path()
            try:
                self.file.close()  # a NamedTemporaryFile: removed on close
                os.remove(path)
            except FileNotFoundError:
                pass
        elif self.file is not None:
            self.file.close()
