from django.urls import URLPattern

app_name = "ckan"
urlpatterns: list[URLPattern] = []
