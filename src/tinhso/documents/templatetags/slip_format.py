"""Template filters for the slips: ``{{ dossier.received_at|vn_datetime }}``."""

from django import template

from tinhso.documents import formatting

register = template.Library()

register.filter("vn_date", formatting.vn_date)
register.filter("vn_datetime", formatting.vn_datetime)
register.filter("vn_number", formatting.vn_number)
register.filter("working_days", formatting.working_days)
register.filter("dong", formatting.dong)
