from django.urls import URLPattern

app_name = "sensorthings"
urlpatterns: list[URLPattern] = []
