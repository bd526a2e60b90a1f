import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tinhso.api import api


def openapi_document() -> dict[str, Any]:
    """The schema as JSON sees it (status-code keys become strings, so the keys can be sorted)."""
    document: dict[str, Any] = json.loads(
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"))
    )
    return document


class Command(BaseCommand):
    help = "Ghi tài liệu OpenAPI của API /api/v1/ ra tệp (mặc định docs/openapi.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default="docs/openapi.json")

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        Path(options["output"]).write_text(text, encoding="utf-8")
        self.stdout.write(f"Đã ghi {options['output']}")
