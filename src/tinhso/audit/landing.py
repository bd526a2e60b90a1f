"""The audit log is the home page of auditors and security staff (``tinhso.accounts.landing``)."""

from tinhso.accounts import landing
from tinhso.audit.access import can_read_audit

landing.register(order=20, url_name="audit:search", applies=can_read_audit)
