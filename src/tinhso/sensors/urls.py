from django.urls import path

from tinhso.sensors import views

app_name = "sensors"
urlpatterns = [
    path("", views.overview, name="map"),
    path("tram/<slug:code>/", views.station, name="station"),
    path("dang-ky/", views.subscribe, name="subscribe"),
    path("dang-ky/<str:token>/xac-nhan/", views.confirm, name="confirm"),
    path("huy/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
