"""The events an applicant is told about.

The dossier services pick the event for each transition and queue
``notify_applicant_task.delay(dossier_id=..., event=Event.RECEIVED, history_seq=...)`` on commit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    RECEIVED = "received", _("Tiếp nhận hồ sơ")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung giấy tờ")
    REFUSED = "refused", _("Không tiếp nhận hồ sơ")
    APOLOGIZED = "apologized", _("Xin lỗi và hẹn lại ngày trả kết quả")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    STOPPED = "stopped", _("Dừng xử lý")
    WITHDRAWN = "withdrawn", _("Rút hồ sơ")


RECEIVED = Event.RECEIVED
SUPPLEMENT_REQUESTED = Event.SUPPLEMENT_REQUESTED
REFUSED = Event.REFUSED
APOLOGIZED = Event.APOLOGIZED
RESULT_READY = Event.RESULT_READY
RETURNED = Event.RETURNED
STOPPED = Event.STOPPED
WITHDRAWN = Event.WITHDRAWN
