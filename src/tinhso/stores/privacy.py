"""The person's document store in their personal-data export (``tinhso.accounts.personal_data``):
each document described (not the files, which the store's own pages download)."""

from typing import Any

from tinhso.accounts import personal_data
from tinhso.accounts.models import User
from tinhso.stores.models import StoredDocument


@personal_data.register
class StoredDocumentData(personal_data.PersonalData):
    id = "stores"
    order = 30

    def export(self, user: User) -> dict[str, Any]:
        documents = StoredDocument.objects.filter(owner=user).order_by("pk")
        return {
            "stored_documents": [
                {
                    "title": doc.title,
                    "kind": doc.kind,
                    "document_number": doc.document_number,
                    "content_type": doc.content_type,
                    "size": doc.size,
                    "issued_at": doc.issued_at,
                    "created_at": doc.created_at,
                    "revoked": doc.revoked,
                }
                for doc in documents
            ]
        }
