from django.urls import URLPattern

app_name = "ioc_public"
urlpatterns: list[URLPattern] = []
