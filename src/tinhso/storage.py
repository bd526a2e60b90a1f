"""The S3-compatible storage behind ``TINHSO_STORAGE=s3`` (settings.py, docs/deployment.md).

django-storages' ``S3Storage`` with one change: it never makes a URL to a stored object. The
application hands files out only through views that check access and write the audit log; a
pre-signed link would be a bearer token to a citizen's file, valid for an hour, outside both.
The Django admin still asks for a URL to show beside a read-only file field, so ``url`` answers as
``FileSystemStorage`` does on disk: a path under ``MEDIA_URL``, which no route serves.
"""

from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PrivateS3Storage(S3Storage):
    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        return urljoin(settings.MEDIA_URL, filepath_to_uri(clean_name(name)))
