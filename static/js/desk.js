// The desk's charts: each <canvas data-chart="id"> draws the JSON of <script id="id">, made by
// registrations.desk.selectors. Numbers and euros in the page's language.
(function () {
  "use strict";
  if (!window.Chart) return;
  var language = document.documentElement.lang || "nl";
  var number = new Intl.NumberFormat(language);
  var euros = new Intl.NumberFormat(language, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
  var palette = ["#0b5cad", "#e39b1b", "#0d6b63", "#7a4fb5", "#a4262c", "#5b6b7a"];
  var byStatus = {
    accepted: "#1e7b3c", more_info: "#e39b1b", in_review: "#0b5cad", paid: "#0d6b63", not_registrable: "#a4262c"
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var format = spec.money ? euros.format : number.format;
    var valueAxis = spec.horizontal ? "x" : "y";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = (spec.colours === "status" && byStatus[dataset.key]) || palette[index % palette.length];
      return { label: dataset.label, data: dataset.data, backgroundColor: colour, borderColor: colour,
               pointRadius: 0, borderWidth: spec.type === "line" ? 2 : 0, borderDash: dataset.dashed ? [6, 4] : [] };
    });
    var scales = { x: { stacked: !!spec.stacked, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 24 } },
                   y: { stacked: !!spec.stacked, beginAtZero: true } };
    scales[valueAxis].ticks = { precision: 0, callback: function (value) { return format(value); } };
    if (spec.horizontal) {  // a bar per label, as high as a line of text, whatever their number
      canvas.parentNode.style.height = (spec.labels.length * 2.2 + 4) + "rem";
    }
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: { callbacks: { label: function (item) {
            return item.dataset.label + ": " + format(spec.horizontal ? item.parsed.x : item.parsed.y);
          } } }
        }
      }
    });
  });
  // A printed page shows the charts at the paper's width, and the tables behind them.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.figure-table").forEach(function (table) { table.open = true; });
    Object.values(Chart.instances).forEach(function (chart) { chart.resize(); });
  });
})();
