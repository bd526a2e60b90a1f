"""The operations centre is the home page of agency leaders who handle no dossiers
(``tinhso.accounts.landing``)."""

from typing import Any

from tinhso.accounts import landing
from tinhso.ioc.selectors import ioc_access


def sees_the_operations_centre(user: Any) -> bool:
    return ioc_access(user).any


landing.register(order=30, url_name="ioc:dashboard", applies=sees_the_operations_centre)
