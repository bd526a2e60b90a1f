from django.urls import URLPattern, path

from tinhso.integrations.postal import views

app_name = "postal"
urlpatterns: list[URLPattern] = [
    path("tracking", views.notify, name="tracking"),
]
