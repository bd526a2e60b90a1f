"""Tỉnh Số — digital-government platform for a Vietnamese province."""

from .celery import app as celery_app

__all__ = ["celery_app"]
