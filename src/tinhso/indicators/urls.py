from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.tracker_view, name="tracker"),
    path("chi-tieu/<slug:code>/", views.target_view, name="target"),
    path(
        "chi-tieu/<slug:code>/van-ban/<int:pk>/", views.target_document_view, name="target_document"
    ),
    path("nhiem-vu/<int:pk>/", views.task_view, name="task"),
    path("nganh/", views.sectors_view, name="sectors"),
    path("nganh/<slug:sector>/", views.sector_view, name="sector"),
    path("nganh/<slug:sector>/tep/<int:version>/", views.sector_file_view, name="sector_file"),
    path("ban-do/", views.map_view, name="map"),
    path("ban-do/ranh-gioi.geojson", views.boundaries_view, name="boundaries"),
    path("canh-bao/", views.alerts_view, name="alerts"),
    path("canh-bao/dang-ky/", views.subscribe_view, name="subscribe"),
    path("xuat/<slug:table>.<slug:fmt>", views.export_view, name="export"),
]
