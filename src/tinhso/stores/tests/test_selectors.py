"""Who sees which stored document: the owner only; revoked ones are never offered for reuse."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tinhso.stores import selectors
from tinhso.stores.models import StoredDocument

from .conftest import store_result

pytestmark = pytest.mark.django_db


def test_documents_for_lists_only_the_owners_unrevoked_documents(cast):
    mine = store_result(cast.citizen, cast, title="Của tôi")
    revoked = store_result(cast.citizen, cast, title="Đã thu hồi")
    StoredDocument.objects.filter(pk=revoked.pk).update(revoked=True)
    store_result(cast.other_citizen, cast, title="Của người khác")
    assert list(selectors.documents_for(cast.citizen)) == [mine]
    assert list(selectors.documents_for(AnonymousUser())) == []


def test_store_contents_includes_revoked_documents_with_reuse_counts(cast):
    first = store_result(cast.citizen, cast, title="Thứ nhất")
    second = store_result(cast.citizen, cast, title="Thứ hai")
    StoredDocument.objects.filter(pk=first.pk).update(revoked=True)
    listed = list(selectors.store_contents(cast.citizen))
    assert listed == [second, first]
    assert [d.reuse_count for d in listed] == [0, 0]


def test_document_for_user_refuses_other_people_and_anonymous(cast):
    document = store_result(cast.citizen, cast)
    assert selectors.document_for_user(cast.citizen, document.pk) == document
    for user in (cast.other_citizen, cast.clerk, AnonymousUser()):
        with pytest.raises(selectors.DocumentNotFound):
            selectors.document_for_user(user, document.pk)


def test_a_revoked_document_is_found_but_not_as_reusable(cast):
    document = store_result(cast.citizen, cast)
    StoredDocument.objects.filter(pk=document.pk).update(revoked=True)
    assert selectors.document_for_user(cast.citizen, document.pk) == document
    with pytest.raises(selectors.DocumentNotFound):
        selectors.document_for_user(cast.citizen, document.pk, reusable=True)
