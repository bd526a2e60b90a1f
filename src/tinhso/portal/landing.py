"""Everyone else (citizens, businesses) lands on their own dossiers (``tinhso.accounts.landing``)."""

from tinhso.accounts import landing

landing.register(order=100, url_name="portal:my_dossiers")
