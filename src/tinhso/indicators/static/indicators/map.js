/* Map of units coloured by an indicator. No tile layer (closed networks): boundaries from the
   deployment's GeoJSON when configured, otherwise a circle at each unit's seat. */
(function () {
  "use strict";
  var COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];
  var NONE = "#bbbbbb";

  function colourFor(value, min, max) {
    if (value === null || value === undefined) { return NONE; }
    if (max === min) { return COLOURS[4]; }
    var index = Math.min(4, Math.floor(((value - min) / (max - min)) * 5));
    return COLOURS[index];
  }

  function label(unit, measure) {
    var value = unit.value === null ? "—" : String(unit.value).replace(".", ",");
    return unit.name + ": " + value + (measure ? " " + measure : "");
  }

  function draw(el) {
    if (typeof window.L === "undefined") { return; }
    var data = JSON.parse(document.getElementById(el.getAttribute("data-map")).textContent);
    var values = data.units.map(function (u) { return u.value; }).filter(function (v) { return v !== null; });
    var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    var byCode = {};
    data.units.forEach(function (u) { byCode[u.code] = u; });
    var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var layers = [];
    data.units.forEach(function (u) {
      if (typeof u.lat !== "number") { return; }
      var marker = window.L.circleMarker([u.lat, u.lon], {
        radius: 10, weight: 1, color: "#333", fillOpacity: 0.85, fillColor: colourFor(u.value, min, max)
      }).bindTooltip(label(u, data.measure));
      marker.addTo(map);
      layers.push(marker);
    });
    function fit() {
      var group = window.L.featureGroup(layers);
      if (layers.length) { map.fitBounds(group.getBounds().pad(0.2)); } else { map.setView([10.2, 106.3], 9); }
    }
    var url = el.getAttribute("data-boundaries");
    if (url) {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
        var layer = window.L.geoJSON(geo, {
          style: function (feature) {
            var unit = byCode[String(feature.properties && feature.properties.code)];
            return { weight: 1, color: "#555", fillOpacity: unit ? 0.7 : 0.1, fillColor: unit ? colourFor(unit.value, min, max) : NONE };
          },
          onEachFeature: function (feature, lyr) {
            var unit = byCode[String(feature.properties && feature.properties.code)];
            lyr.bindTooltip(unit ? label(unit, data.measure) : String(feature.properties && feature.properties.name || ""));
          }
        }).addTo(map);
        layer.bringToBack();
        layers.push(layer);
        fit();
      }).catch(fit);
    } else {
      fit();
    }
    el.setAttribute("data-drawn", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(draw);
  });
})();
