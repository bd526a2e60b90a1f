"""Shared by the postal tests: a procedure whose e-form asks the return method, and a dossier of
it brought to ``result_ready``."""

import copy

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing import FORM_DATA, make_version, pdf_upload
from tinhso.uploads import check_upload

ANSWERS = {
    "counter": "Trực tiếp tại cơ quan tiếp nhận",
    "postal": "Qua dịch vụ bưu chính",
    "online": "Bản điện tử",
}
ADDRESS = "25 Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa"


def postal_version(cast, code: str = "3.000333"):
    version = make_version(code, level="province", agencies=[cast.dept], receiving=cast.centre)
    schema = copy.deepcopy(version.form_schema)
    schema["properties"]["hinh_thuc_nhan"] = {
        "type": "string",
        "title": "Hình thức nhận kết quả",
        "enum": list(ANSWERS.values()),
        "x-return-method": {answer: method for method, answer in ANSWERS.items()},
    }
    version.form_schema = schema
    version.save()
    return version


def act(user, dossier: Dossier, action: str, **kw) -> Dossier:
    return services.perform_action(
        user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
    )


def filed(cast, method: str = "postal", *, version=None, address: str = ADDRESS) -> Dossier:
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=version or postal_version(cast),
        data={**FORM_DATA, "hinh_thuc_nhan": ANSWERS[method]},
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
        postal_address=address,
    )
    return dossier


def result_ready(cast, method: str = "postal", **kw) -> Dossier:
    dossier = filed(cast, method, **kw)
    for user, action in [
        (cast.clerk, "receive"),
        (cast.specialist, "complete_step"),
        (cast.leader, "approve"),
        (cast.clerk, "issue_result"),
    ]:
        dossier = act(user, dossier, action)
    return dossier
