"""Celery application. Without a broker configured, tasks run in-process (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")

app = Celery("tinhso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
