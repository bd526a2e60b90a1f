"""OWASP ASVS V12.3.1, V12.3.2 and V12.3.4: the name a client gives an upload never reaches the
file system as it is (docs/security.md): ``tinhso.uploads.check_upload`` keeps a plain file name
whose extension follows the content, and the storage path is built by the server."""

from pathlib import PurePath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.testing import PDF_BYTES
from tinhso.uploads import check_upload


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/cron.d/job.pdf",
        "..\\..\\Windows\\System32\\job.pdf",
        "/var/lib/tinhso/media/other.pdf",
        "bao-cao.pdf.html",
        'x"; filename=evil.html',
    ],
)
def test_a_client_file_name_becomes_one_plain_name_with_the_contents_extension(name):
    checked = check_upload(SimpleUploadedFile(name, PDF_BYTES))
    assert PurePath(checked.name).name == checked.name  # no directory part
    assert "/" not in checked.name and "\\" not in checked.name and '"' not in checked.name
    assert checked.name not in {"", ".", ".."}
    assert checked.name.endswith(".pdf")  # the content is a PDF, whatever the name said
