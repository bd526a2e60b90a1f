/* Station map: Leaflet without a tile server (closed networks): circle markers on a plain canvas,
   coloured by the map level; the table below the map carries the same data. */
(function () {
  "use strict";
  var el = document.getElementById("salinity-map");
  var data = document.getElementById("salinity-markers");
  if (!el || !data || typeof L === "undefined") { if (el) { el.hidden = true; } return; }
  var markers = JSON.parse(data.textContent);
  if (!markers.length) { el.hidden = true; return; }
  var colours = ["#2b83ba", "#abdda4", "#ffffbf", "#fdae61", "#d7191c"];
  var grams = new Intl.NumberFormat(document.documentElement.lang || "vi",
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });  // 0,50 g/L in Vietnamese
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var bounds = [];
  markers.forEach(function (m) {
    var colour = m.level === null ? "#999999" : colours[m.level];
    var marker = L.circleMarker([m.lat, m.lon], {
      radius: 9, color: "#222", weight: 1, fillColor: colour, fillOpacity: 0.9
    }).addTo(map);
    var text = document.createElement("div");
    var link = document.createElement("a");
    link.href = m.url;
    link.textContent = m.name;
    text.appendChild(link);
    var detail = document.createElement("div");
    var arrow = { up: " ↑", down: " ↓", steady: " →" }[m.trend] || "";
    detail.textContent = (m.value === null ? "—" : grams.format(m.value) + " g/L" + arrow) +
      (m.time ? " · " + m.time : "") + " · " + m.river;
    text.appendChild(detail);
    marker.bindPopup(text);
    marker.bindTooltip(m.name, { permanent: true, direction: "right", className: "station-label" });
    bounds.push([m.lat, m.lon]);
  });
  map.fitBounds(bounds, { padding: [20, 20] });
})();
