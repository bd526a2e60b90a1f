"""An S3-compatible endpoint for the storage tests (test_storage_s3.py, test_backup.py).

moto's server answers real HTTP on a free port of 127.0.0.1, in a thread of the test process (one
per xdist worker); boto3 talks to it over the network exactly as to a production object store.
Each test gets a bucket of its own, and ``s3_storage`` points ``STORAGES["default"]`` at it the way
``TINHSO_STORAGE=s3`` does in settings.py. pytest-django's ``settings`` fixture sends
``setting_changed``, on which Django drops its cached storages (``default_storage`` included), and
puts the filesystem back after the test.
"""

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

ACCESS_KEY = "tinhso-test"
SECRET_KEY = "tinhso-test-secret"
REGION = "us-east-1"


@dataclass
class Bucket:
    endpoint: str
    name: str
    prefix: str
    client: Any

    def object_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def key(self, name: str) -> str:
        """The object key of a stored file's name (the name a FileField holds)."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def options(self) -> dict[str, Any]:
        """What settings.py puts in STORAGES["default"]["OPTIONS"] for TINHSO_STORAGE=s3."""
        return {
            "bucket_name": self.name,
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "location": self.prefix,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "max_memory_size": 2 * 1024 * 1024,
        }

    def environment(self) -> dict[str, str]:
        """The same as environment variables, for a ``python -m tinhso`` subprocess."""
        return {
            "TINHSO_STORAGE": "s3",
            "TINHSO_S3_BUCKET": self.name,
            "TINHSO_S3_ENDPOINT_URL": self.endpoint,
            "TINHSO_S3_REGION": REGION,
            "TINHSO_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "TINHSO_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "TINHSO_S3_PREFIX": self.prefix,
        }


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer  # only in the sessions that need it

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def make_bucket(endpoint: str, prefix: str = "tinhso") -> Bucket:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    name = f"tinhso-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(endpoint=endpoint, name=name, prefix=prefix, client=client)


@pytest.fixture
def s3_bucket(s3_endpoint) -> Bucket:
    return make_bucket(s3_endpoint)


@pytest.fixture
def s3_storage(settings, s3_bucket) -> Bucket:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tinhso.storage.PrivateS3Storage", "OPTIONS": s3_bucket.options()},
    }
    return s3_bucket
