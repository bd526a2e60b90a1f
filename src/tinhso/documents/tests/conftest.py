import pytest

from tinhso.documents.tests import factories as f


@pytest.fixture
def clerk(db):
    return f.user(full_name="Trần Văn Bình")


@pytest.fixture
def specialist(db):
    return f.user(full_name="Lê Thị Cúc")


@pytest.fixture
def leader(db):
    return f.user(full_name="Phạm Minh Đức")


@pytest.fixture
def dossier(db):
    return f.dossier()


@pytest.fixture
def receipt_entry(dossier, clerk):
    return f.history(dossier, "receive", at=f.at(25, 9, 5), actor=clerk, step_name="Tiếp nhận")
