"""Public salinity pages: map and table, station page, subscribe / confirm / unsubscribe."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.sensors import selectors, services
from tinhso.sensors.forms import ConfirmForm, SubscribeForm
from tinhso.sensors.models import Subscription
from tinhso.sensors.thresholds import LEVEL_NAMES, MAP_LEVEL_NAMES, uses


def _marker(s: selectors.StationState) -> dict[str, object]:
    return {
        "code": s.code,
        "name": s.name,
        "river": s.river,
        "lat": s.lat,
        "lon": s.lon,
        "value": s.latest_value,
        "time": timezone.localtime(s.latest_time).strftime("%H:%M %d/%m/%Y")
        if s.latest_time
        else None,
        "level": s.level,
        "trend": s.trend,
        "url": reverse("sensors:station", args=[s.code]),
    }


def overview(request: HttpRequest) -> HttpResponse:
    stations = selectors.salinity_overview()
    return render(
        request,
        "sensors/overview.html",
        {
            "stations": stations,
            "markers": [_marker(s) for s in stations if s.lat is not None],
            "map_levels": MAP_LEVEL_NAMES,
        },
    )


def station(request: HttpRequest, code: str) -> HttpResponse:
    state = selectors.station(code)
    seasons = selectors.seasons_with_data(state.datastream_id)
    today = timezone.localdate()
    try:
        season = int(request.GET.get("mua", ""))
    except ValueError:
        season = seasons[0] if seasons else selectors.dry_season_of(today)
    summary = selectors.season_summary(state.datastream_id, season)
    chart = {
        "hourly": selectors.chart_series(state.datastream_id),
        "daily": selectors.daily_series(state.datastream_id, season),
        "thresholds": [{"name": u.name, "value": u.threshold} for u in uses().values()],
    }
    return render(
        request,
        "sensors/station.html",
        {
            "s": state,
            "summary": summary,
            "season": season,
            "seasons": seasons,
            "chart": chart,
            "map_levels": MAP_LEVEL_NAMES,
            "level_names": LEVEL_NAMES,
            "sta_url": request.build_absolute_uri(
                reverse(
                    "sensorthings:resource",
                    args=[f"Datastreams({state.datastream_id})/Observations"],
                )
            )
            + "?$orderby=phenomenonTime%20desc&$top=100",
        },
    )


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None, initial={"stations": request.GET.getlist("tram")})
    if request.method == "POST" and form.is_valid():
        medium, contact = form.cleaned_data["contact"]
        try:
            subscription, _code = services.subscribe(
                medium=medium,
                contact=contact,
                stations=list(form.cleaned_data["stations"]),
                use_codes=form.cleaned_data["uses"],
            )
        except services.SubscriptionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("sensors:confirm", token=subscription.token)
    return render(request, "sensors/subscribe.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscription = Subscription.objects.filter(token=token, cancelled_at__isnull=True).first()
    if subscription is None:
        return render(request, "sensors/not_found.html", status=404)
    form = ConfirmForm(request.POST or None, initial={"code": request.GET.get("ma", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_subscription(token=token, code=form.cleaned_data["code"])
        except services.SubscriptionError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(
                request, _("Đã xác nhận. Bạn sẽ nhận cảnh báo khi độ mặn vượt ngưỡng.")
            )
            return redirect("sensors:confirm", token=token)
    return render(
        request,
        "sensors/confirm.html",
        {"form": form, "subscription": subscription, "sent_at": subscription.created_at},
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return render(request, "sensors/not_found.html", status=404)
    if request.method == "POST":
        services.unsubscribe(token=token)
        subscription.refresh_from_db()
    return render(
        request,
        "sensors/unsubscribe.html",
        {"subscription": subscription},
    )
