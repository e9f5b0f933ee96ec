/* Draws the staff AI dashboard's charts (coach/templates/coach/ai_dashboard.html) with the vendored
   Chart.js: each <canvas data-chart="name"> from the entry of the same name in the JSON of
   #ai-dashboard-data (coach.admin._chart_data). When done, document.body.dataset.chartsRendered
   holds how many charts were drawn; Chart.getChart(canvas) returns each one. */
(function () {
  "use strict";

  var COLORS = {
    succeeded: "#2e9d5b",
    failed: "#d6453d",
    other: "#9aa5b1",
    p50: "#417690",
    p95: "#f0a03c",
    tokens: "#6f5bb5",
    cost: "#d6453d",
    positive: "#2e9d5b",
  };

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function bar(label, data, color, extra) {
    return Object.assign({ type: "bar", label: label, data: data, backgroundColor: color, borderColor: color }, extra || {});
  }

  function options(extra) {
    return Object.assign(
      {
        animation: false, // drawn at once: the page is read, and screenshots show the final chart
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } },
      },
      extra
    );
  }

  var BUILDERS = {
    "executions-per-day": function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            bar("succeeded", data.succeeded, COLORS.succeeded),
            bar("failed", data.failed, COLORS.failed),
            bar("queued, running or paused", data.other, COLORS.other),
          ],
        },
        options: options({
          scales: {
            x: { stacked: true },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "executions" } },
          },
        }),
      };
    },
    "agent-latency": function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [bar("p50", data.p50_ms, COLORS.p50), bar("p95", data.p95_ms, COLORS.p95)],
        },
        options: options({ scales: { y: { beginAtZero: true, title: { display: true, text: "ms" } } } }),
      };
    },
    "agent-usage": function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            bar("tokens", data.tokens, COLORS.tokens, { yAxisID: "tokens" }),
            bar("cost (USD)", data.cost_usd, COLORS.cost, { yAxisID: "cost" }),
          ],
        },
        options: options({
          scales: {
            tokens: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "tokens" } },
            cost: {
              position: "right",
              beginAtZero: true,
              grid: { drawOnChartArea: false },
              title: { display: true, text: "USD" },
            },
          },
        }),
      };
    },
    "workflow-feedback": function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [bar("positive feedback (%)", data.positive_rate, COLORS.positive)],
        },
        options: options({
          scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "% positive" } } },
          plugins: {
            legend: { position: "bottom" },
            tooltip: {
              callbacks: {
                afterLabel: function (item) {
                  return "of " + data.feedback_count[item.dataIndex] + " feedback";
                },
              },
            },
          },
        }),
      };
    },
  };

  function draw() {
    var drawn = 0;
    var source = document.getElementById("ai-dashboard-data");
    if (source && window.Chart) {
      var data = JSON.parse(source.textContent);
      window.Chart.defaults.color = cssVar("--body-quiet-color", "#666");
      window.Chart.defaults.borderColor = cssVar("--hairline-color", "#e8e8e8");
      document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
        var name = canvas.dataset.chart;
        var build = BUILDERS[name];
        if (!build || !data[name]) {
          console.error("AI dashboard: no data or builder for chart " + name);
          return;
        }
        try {
          new window.Chart(canvas, build(data[name]));
          drawn += 1;
        } catch (error) {
          console.error("AI dashboard: chart " + name + " failed", error);
        }
      });
    } else if (source) {
      console.error("AI dashboard: Chart.js did not load");
    }
    document.body.dataset.chartsRendered = String(drawn);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
