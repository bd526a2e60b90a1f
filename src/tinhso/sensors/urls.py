from django.urls import URLPattern

app_name = "sensors"
urlpatterns: list[URLPattern] = []
