/* Report form (issue 18): a Leaflet pin without any tile server (closed networks: the commune
   seats are drawn as landmarks instead), "use my position", the nearby open reports of the chosen
   category fetched from /api/v1/feedback/nearby, and the SMS code sent without leaving the page.
   Everything here sits on top of plain fields: without JavaScript the server does the same. */
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* The SMS code button: a JSON call instead of a page reload (keeps the chosen photos). */
  function sendCodeButtons() {
    document.querySelectorAll("[data-send-code]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var form = button.form;
        var box = button.closest("[data-phone-confirm]");
        var status = box.querySelector("[data-code-status]");
        var phone = box.querySelector("input[name=phone]");
        event.preventDefault();
        var body = new FormData();
        body.append("phone", phone.value);
        body.append("csrfmiddlewaretoken", csrf(form));
        fetch(button.getAttribute("formaction"), {
          method: "POST", body: body, credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (response) {
          return response.json();
        }).then(function (data) {
          status.textContent = data.message;
        }).catch(function () {
          status.textContent = button.dataset.failed || "…";
        });
      });
    });
  }

  var form = document.getElementById("report-form");
  sendCodeButtons();
  if (!form) { return; }
  var lat = form.querySelector("input[name=lat]");
  var lon = form.querySelector("input[name=lon]");
  var category = form.querySelector("select[name=category]");
  var panel = form.querySelector("[data-duplicates]");
  var list = form.querySelector("[data-duplicate-list]");
  var template = form.querySelector("[data-duplicate-template]");
  var submit = form.querySelector("[data-submit]");
  var distanceLabel = document.querySelector("[data-distance-label]");
  var supportUrl = form.dataset.supportUrl;

  /* Nearby open reports of the category: shown with "this is my problem too" (a submit button
     whose formaction is that report's support URL) and "file a new one anyway". */
  function showNearby(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var node = template.content.cloneNode(true);
      var link = node.querySelector("[data-link]");
      link.textContent = item.service_request_id;
      link.href = supportUrl.replace("PA-0/cung-van-de/", item.service_request_id + "/");
      node.querySelector("[data-distance]").textContent =
        distanceLabel.textContent.replace("%(m)s", Math.round(item.distance_m));
      node.querySelector("[data-description]").textContent = item.description;
      node.querySelector("[data-support]").setAttribute(
        "formaction", supportUrl.replace("PA-0", item.service_request_id));
      list.appendChild(node);
    });
    panel.hidden = items.length === 0;
    submit.hidden = items.length > 0;
  }

  var pending = null;
  function checkNearby() {
    if (!category.value || !lat.value || !lon.value) { return; }
    var url = form.dataset.nearbyUrl + "?" + new URLSearchParams(
      { lat: lat.value, long: lon.value, service_code: category.value });
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) { showNearby(data.items || []); })
      .catch(function () { /* the server checks again before filing */ });
  }
  category.addEventListener("change", checkNearby);
  lat.addEventListener("change", checkNearby);
  lon.addEventListener("change", checkNearby);

  /* The map: the pin and the seats as grey landmarks on a plain background. */
  var mapBox = document.getElementById("report-map");
  var pin = null;
  var map = null;
  function place(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (map) {
      if (!pin) { pin = L.marker([latitude, longitude], { icon: L.divIcon({ className: "report-pin", iconSize: [22, 22] }) }).addTo(map); }
      pin.setLatLng([latitude, longitude]);
      map.panTo([latitude, longitude]);
    }
    checkNearby();
  }
  if (mapBox && typeof L !== "undefined") {
    var seats = JSON.parse(document.getElementById("report-seats").textContent);
    mapBox.hidden = false;
    document.querySelector("[data-map-hint]").hidden = false;
    map = L.map(mapBox, { attributionControl: false, zoomSnap: 0.25 });
    var bounds = [];
    seats.forEach(function (s) {
      L.circleMarker([s.lat, s.lon], { radius: 5, color: "#505a5f", weight: 1, fillColor: "#b1b4b6", fillOpacity: 0.9 })
        .bindTooltip(s.name).addTo(map);
      bounds.push([s.lat, s.lon]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([10.24, 106.38], 12); }
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
    if (lat.value && lon.value && isFinite(+lat.value) && isFinite(+lon.value)) {
      place(+lat.value, +lon.value);
    }
  }

  var locate = form.querySelector("[data-locate]");
  var locateStatus = form.querySelector("[data-locate-status]");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locateStatus.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        locateStatus.textContent = "";
        place(position.coords.latitude, position.coords.longitude);
        if (map) { map.setView([position.coords.latitude, position.coords.longitude], 16); }
      }, function () {
        locateStatus.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
