"""Signals the dossier core sends for apps above it (it imports none of them).

``personal_data_read``: an official read a dossier's personal data (the applicant reading their
own dossier is not sent). Arguments: ``dossier``, ``user`` (the official), ``channel`` ("api" …)
and ``request``. The audit app connects to it and writes the "dossier.view" entry.
"""

from django.dispatch import Signal

personal_data_read = Signal()
