"""The back office is the home page of those who handle dossiers (``tinhso.accounts.landing``)."""

from tinhso.accounts import landing
from tinhso.accounts.access import is_staff_member

landing.register(order=10, url_name="backoffice:inbox", applies=is_staff_member)
