from django.urls import path

from tinhso.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.year_calendar, name="year_current"),
    path("<int:year>/", views.year_calendar, name="year"),
]
