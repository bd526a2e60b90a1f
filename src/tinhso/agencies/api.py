from django.http import HttpRequest
from ninja import Router, Schema

from tinhso.agencies.models import Agency

router = Router(tags=["agencies"])


class AgencyOut(Schema):
    code: str
    slug: str
    name: str
    kind: str


@router.get("/agencies", response=list[AgencyOut], auth=None, summary="List agencies")
def list_agencies(request: HttpRequest) -> list[Agency]:
    return list(Agency.objects.filter(is_active=True).order_by("name"))
