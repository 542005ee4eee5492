"""Server-side SVG charts drawn by pygal, from the same figures the dashboard and the forecast show.

Pages embed them as <img src="…svg">, so they render without JavaScript; the live dashboard only
swaps the image URL to fetch a fresh one.
"""

from collections.abc import Sequence
from datetime import datetime

import pygal
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#17120f",
    foreground_strong="#17120f",
    foreground_subtle="#8a817c",
    colors=("#17120f", "#ff7ab8", "#2f855a", "#c05621"),
    font_family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
    tooltip_font_size=13,
)

_COMMON = {
    "style": STYLE,
    "width": 640,
    "height": 320,
    "js": [],  # no script from a CDN: the chart is a plain image
    "disable_xml_declaration": True,
    "legend_at_bottom": True,
    "show_minor_x_labels": False,
    "truncate_label": -1,
    "print_values": False,
    "margin": 12,
}


def _labels(starts: Sequence[str], *, hourly: bool) -> tuple[list[str], list[str]]:
    times = [datetime.fromisoformat(s) for s in starts]
    labels = [t.strftime("%H:%M" if hourly else "%a %d") for t in times]
    major = labels[::3] if hourly else labels
    return labels, major


def _render(chart: pygal.graph.graph.Graph) -> str:
    return chart.render(is_unicode=True)


def volume_chart(points: list[dict], *, hourly: bool) -> str:
    """Handoffs to humans against conversations the bot solved alone, per bucket."""
    chart = pygal.Bar(title="Handoffs vs solved by the bot", **_COMMON)
    chart.x_labels, chart.x_labels_major = _labels([p["start"] for p in points], hourly=hourly)
    chart.add("Handoffs to a human", [p["handoffs"] for p in points])
    chart.add("Solved by the bot", [p["bot_contained"] for p in points])
    return _render(chart)


def _line(title: str, points: list[dict], *, hourly: bool, series: dict[str, list], **options) -> str:
    chart = pygal.Line(title=title, allow_interruptions=True, dots_size=3, max_scale=6, **_COMMON, **options)
    chart.x_labels, chart.x_labels_major = _labels([p["start"] for p in points], hourly=hourly)
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart)


def sla_chart(points: list[dict], *, hourly: bool, target_seconds: int) -> str:
    values = [None if p["sla_rate"] is None else round(100 * p["sla_rate"], 1) for p in points]
    return _line(
        f"SLA: handoffs answered within {target_seconds} s (%)",
        points,
        hourly=hourly,
        series={"SLA attainment": values},
        range=(0, 100),
        value_formatter=lambda v: f"{v:.0f} %",
    )


def csat_chart(points: list[dict], *, hourly: bool) -> str:
    return _line(
        "CSAT (average stars)",
        points,
        hourly=hourly,
        series={"CSAT": [p["csat_average"] for p in points]},
        range=(1, 5),
    )


def aht_chart(points: list[dict], *, hourly: bool) -> str:
    minutes = [None if p["aht_seconds"] is None else round(p["aht_seconds"] / 60, 1) for p in points]
    return _line(
        "Average handling time (minutes)",
        points,
        hourly=hourly,
        series={"AHT": minutes},
        include_x_axis=True,
        value_formatter=lambda v: f"{v:.0f} min",
    )


def forecast_chart(hours: list[dict]) -> str:
    """Seats needed (Erlang C) against seats claimed, per hour of the next two days."""
    chart = pygal.Bar(title="Seats needed vs claimed, per hour (UTC)", **{**_COMMON, "width": 1100, "height": 320})
    chart.x_labels = [datetime.fromisoformat(h["start"]).strftime("%a %H:%M") for h in hours]
    chart.x_labels_major = chart.x_labels[::6]
    chart.y_labels = list(range(0, max([h["needed"] for h in hours] + [h["claimed"] for h in hours] + [1]) + 1))
    chart.add("Needed", [h["needed"] for h in hours])
    chart.add("Claimed", [h["claimed"] for h in hours])
    return _render(chart)


DASHBOARD_CHARTS = {
    "volume": lambda points, hourly, data: volume_chart(points, hourly=hourly),
    "sla": lambda points, hourly, data: sla_chart(
        points, hourly=hourly, target_seconds=data["last_24h"]["sla"]["target_seconds"]
    ),
    "csat": lambda points, hourly, data: csat_chart(points, hourly=hourly),
    "aht": lambda points, hourly, data: aht_chart(points, hourly=hourly),
}


def dashboard_chart(name: str, data: dict, *, range_: str) -> str:
    """One dashboard chart by name ('volume', 'sla', 'csat', 'aht') for '24h' (hourly) or '7d' (daily)."""
    hourly = range_ == "24h"
    points = data["hourly"] if hourly else data["daily"]
    return DASHBOARD_CHARTS[name](points, hourly, data)
