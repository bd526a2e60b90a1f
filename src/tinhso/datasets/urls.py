"""Pages of the open data catalogue, mounted at /du-lieu/."""

from django.urls import URLPattern, path, re_path

from tinhso.datasets import views

app_name = "datasets"
urlpatterns: list[URLPattern] = [
    path("", views.dataset_list, name="list"),
    path("xuat-ban/", views.manage, name="manage"),
    path("xuat-ban/moi/", views.edit, name="create"),
    path("<slug:name>/", views.dataset_detail, name="dataset"),
    path("<slug:name>/sua/", views.edit, name="edit"),
    path("<slug:name>/tai-len/", views.upload, name="upload"),
    path("<slug:name>/tai-nguyen/<uuid:rid>/", views.resource_detail, name="resource"),
    path("<slug:name>/tai-nguyen/<uuid:rid>/kieu-cot/", views.columns, name="columns"),
    re_path(
        r"^(?P<name>[-a-zA-Z0-9_]+)/tai-nguyen/(?P<rid>[0-9a-f-]{36})/tai-ve\.(?P<fmt>csv|xlsx|json)$",
        views.download,
        name="download",
    ),
    path("<slug:name>/tai-nguyen/<uuid:rid>/tep/<str:filename>", views.resource_file, name="file"),
]
