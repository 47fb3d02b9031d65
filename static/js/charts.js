// Draws every <canvas data-chart="id"> from the JSON in <script id="id">. Each chart's data is
// also in a table on the page; the chart is an enhancement.
(function () {
  "use strict";
  if (!window.Chart) return;

  // Okabe-Ito: distinguishable with colour blindness; dashes and point shapes add a second cue
  // that survives greyscale printing.
  var colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
  var dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 1], [12, 6], [4, 8], [3, 6]];
  var points = ["circle", "rect", "triangle", "rectRot", "cross", "star", "line", "dash"];
  var numbers = new Intl.NumberFormat("en-GB");

  Chart.defaults.font.family = "Arial, sans-serif";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = "#212b32";
  Chart.defaults.animation = false;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    spec.data.datasets.forEach(function (dataset, i) {
      // A dataset may bring its own look (an SPC chart colours its points by special cause).
      var colour = dataset.borderColor || colours[i % colours.length];
      dataset.borderColor = colour;
      dataset.backgroundColor = dataset.backgroundColor || (spec.type === "line" ? colour : colour + "CC");
      dataset.borderDash = dataset.borderDash || (spec.type === "line" ? dashes[i % dashes.length] : []);
      dataset.pointStyle = dataset.pointStyle || points[i % points.length];
      dataset.borderWidth = dataset.borderWidth || 2;
    });
    var suffix = spec.percent ? "%" : "";
    new Chart(canvas, {
      type: spec.type,
      data: spec.data,
      options: {
        maintainAspectRatio: false,
        indexAxis: spec.type === "bar" && spec.data.labels.length > 6 ? "y" : "x",
        plugins: {
          legend: { display: spec.data.datasets.length > 1, labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + numbers.format(item.raw) + suffix;
              },
            },
          },
        },
        scales: {
          x: { ticks: { callback: axisLabel } },
          y: { ticks: { callback: axisLabel }, beginAtZero: true },
        },
      },
    });

    function axisLabel(value) {
      if (this.type === "category") return this.getLabelForValue(value);
      return numbers.format(value) + suffix;
    }
  });
})();
