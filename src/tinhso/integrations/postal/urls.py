from django.urls import URLPattern

app_name = "postal"
urlpatterns: list[URLPattern] = []
