"""Routes of the sandbox's post emulation (issue 17), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern, path

from tinhso.sandboxes.national import post_views

urlpatterns: list[URLPattern] = [
    path("post/token", post_views.token, name="national-post-token"),
    path("post/orders", post_views.orders, name="national-post-orders"),
    path("post/orders/<str:item_code>", post_views.order, name="national-post-order"),
    path("post/advance", post_views.advance, name="national-post-advance"),
]
