#!/usr/bin/env python3
"""Draw a CloudWatch dashboard as an SVG picture, from the dashboard's own body and the data behind it.

CloudWatch draws dashboards in its console (and GetMetricWidgetImage draws one widget); the
stand-in has neither, so this reads what the console would: the dashboard body (GetDashboard),
each metric's datapoints (GetMetricStatistics, with the widget's statistic or the metric's own) and
the alarms' states (DescribeAlarms). It draws each widget in the body's 24-column grid: a line per
metric for metric widgets, a coloured state per alarm for the alarm widget. The README's picture of
the function's dashboard is made with it after `make demo KEEP=1` has put traffic through the stack.

Usage (while `make demo KEEP=1` keeps the stand-in up; it records where in build/local-standin.json):
    scripts/standin/dashboard_picture.py --region us-east-1 --dashboard NAME --out picture.svg \\
        [--standin build/local-standin.json] [--minutes 30]
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

# Pixels per grid unit: the console's grid is 24 units wide.
UNIT_WIDTH, UNIT_HEIGHT = 50, 40
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
STATE_COLOURS = {"OK": "#2ca02c", "ALARM": "#d62728", "INSUFFICIENT_DATA": "#9e9e9e"}
PICTURE_PERIOD_S = 60


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # (epoch seconds, value), oldest first
    right_axis: bool


def metric_parts(metric: Sequence[Any]) -> tuple[str, str, list[dict[str, str]], dict[str, Any]]:
    """[namespace, name, dim, value, ..., {options}] -> namespace, name, dimensions, options."""
    options = metric[-1] if metric and isinstance(metric[-1], dict) else {}
    plain = [part for part in metric if not isinstance(part, dict)]
    if len(plain) < 2 or len(plain) % 2:
        raise ValueError(f"not a dashboard metric: {metric!r}")
    namespace, name, *rest = plain
    dimensions = [{"Name": key, "Value": value} for key, value in zip(rest[::2], rest[1::2], strict=True)]
    return namespace, name, dimensions, options


def fetch_series(
    cloudwatch: Any, widget: dict, start: datetime.datetime, end: datetime.datetime
) -> list[Series]:
    properties = widget["properties"]
    series = []
    for metric in properties.get("metrics", []):
        namespace, name, dimensions, options = metric_parts(metric)
        stat = options.get("stat") or properties.get("stat", "Average")
        percentile = stat.startswith("p")
        response = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=name,
            Dimensions=dimensions,
            StartTime=start,
            # One period past the end, so the current, still-open period is included.
            EndTime=end + datetime.timedelta(seconds=PICTURE_PERIOD_S),
            Period=PICTURE_PERIOD_S,
            **({"ExtendedStatistics": [stat]} if percentile else {"Statistics": [stat]}),
        )
        points = sorted(
            (
                point["Timestamp"].timestamp(),
                float(point["ExtendedStatistics"][stat] if percentile else point[stat]),
            )
            for point in response["Datapoints"]
        )
        label = options.get("label") or f"{name} {stat}"
        series.append(Series(label, points, options.get("yAxis") == "right"))
    return series


def _box(widget: dict) -> tuple[int, int, int, int]:
    return (
        widget["x"] * UNIT_WIDTH,
        widget["y"] * UNIT_HEIGHT,
        widget["width"] * UNIT_WIDTH,
        widget["height"] * UNIT_HEIGHT,
    )


def _frame(widget: dict) -> list[str]:
    """A widget's white panel and its title."""
    x, y, width, height = _box(widget)
    title = escape(widget["properties"]["title"])
    panel = f'x="{x + 4}" y="{y + 4}" width="{width - 8}" height="{height - 8}"'
    return [
        f'<rect {panel} fill="#fff" stroke="#ccc"/>',
        f'<text x="{x + 12}" y="{y + 22}" font-weight="bold">{title}</text>',
    ]


def _number(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def metric_widget_svg(widget: dict, series: list[Series], start: float, end: float) -> str:
    x, y, width, height = _box(widget)
    plot_x, plot_y = x + 50, y + 30
    plot_w, plot_h = width - 100, height - 30 - 20 - 16 * ((len(series) + 2) // 3)
    parts = [
        *_frame(widget),
        f'<rect x="{plot_x}" y="{plot_y}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#eee"/>',
    ]
    for right in (False, True):
        values = [value for s in series if s.right_axis == right for _, value in s.points]
        top = max(values, default=0.0) or 1.0
        axis_x = plot_x + plot_w + 4 if right else x + 10
        if values or not right:
            parts.append(f'<text x="{axis_x}" y="{plot_y + 10}" font-size="10">{_number(top)}</text>')
            parts.append(f'<text x="{axis_x}" y="{plot_y + plot_h}" font-size="10">0</text>')
        for index, s in enumerate(series):
            if s.right_axis != right or not s.points:
                continue
            coordinates = " ".join(
                f"{plot_x + plot_w * (t - start) / (end - start):.1f},{plot_y + plot_h * (1 - v / top):.1f}"
                for t, v in s.points
            )
            colour = COLOURS[index % len(COLOURS)]
            parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="2"/>')
            if len(s.points) == 1:
                [(cx, cy)] = [tuple(map(float, coordinates.split(",")))]
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
    for index, s in enumerate(series):
        column, row = index % 3, index // 3
        lx, ly = x + 12 + column * (width - 24) // 3, plot_y + plot_h + 16 + row * 16
        colour = COLOURS[index % len(COLOURS)]
        shown = escape(s.label) + ("" if s.points else " (no data)")
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14}" y="{ly}" font-size="11">{shown}</text>')
    return "\n".join(parts)


def alarm_widget_svg(widget: dict, alarms: list[dict]) -> str:
    x, y, width, _ = _box(widget)
    parts = _frame(widget)
    per_row = 4
    cell_w = (width - 24) // per_row
    for index, alarm in enumerate(alarms):
        cx, cy = x + 12 + (index % per_row) * cell_w, y + 36 + (index // per_row) * 26
        state, colour = alarm["StateValue"], STATE_COLOURS.get(alarm["StateValue"], "#ccc")
        label = f"{escape(alarm['AlarmName'])}: {state}"
        parts.append(f'<rect x="{cx}" y="{cy}" width="{cell_w - 8}" height="22" rx="3" fill="{colour}"/>')
        parts.append(f'<text x="{cx + 6}" y="{cy + 15}" font-size="11" fill="#fff">{label}</text>')
    return "\n".join(parts)


def render(cloudwatch: Any, dashboard_name: str, minutes: int = 30) -> str:
    """The dashboard as an SVG document, from the API it is read through."""
    body = json.loads(cloudwatch.get_dashboard(DashboardName=dashboard_name)["DashboardBody"])
    end = datetime.datetime.now(datetime.UTC)
    start = end - datetime.timedelta(minutes=minutes)
    widgets = body["widgets"]
    panels = []
    for widget in widgets:
        if widget["type"] == "metric":
            series = fetch_series(cloudwatch, widget, start, end)
            panels.append(metric_widget_svg(widget, series, start.timestamp(), end.timestamp()))
        elif widget["type"] == "alarm":
            names = [arn.split(":alarm:", 1)[1] for arn in widget["properties"]["alarms"]]
            alarms = cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"] if names else []
            panels.append(alarm_widget_svg(widget, sorted(alarms, key=lambda alarm: alarm["AlarmName"])))
        else:
            raise ValueError(f"widget type {widget['type']!r} is not drawn")
    total_w = 24 * UNIT_WIDTH
    total_h = max(widget["y"] + widget["height"] for widget in widgets) * UNIT_HEIGHT + 30
    caption = (
        f"{dashboard_name}: last {minutes} minutes to {end:%Y-%m-%d %H:%M} UTC, {PICTURE_PERIOD_S} s periods"
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
            f'font-family="sans-serif" font-size="13">',
            f'<rect width="{total_w}" height="{total_h}" fill="#f4f4f4"/>',
            *panels,
            f'<text x="8" y="{total_h - 10}" font-size="11" fill="#555">{escape(caption)}</text>',
            "</svg>",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--standin",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "build" / "local-standin.json",
        help="the running stand-in, as `make demo KEEP=1` records it (default: build/local-standin.json)",
    )
    parser.add_argument("--region", required=True)
    parser.add_argument("--dashboard", required=True, help="dashboard name (the function's name)")
    parser.add_argument("--out", required=True, help="SVG file to write")
    parser.add_argument("--minutes", type=int, default=30, help="time window, in minutes (default 30)")
    args = parser.parse_args(argv)
    if args.minutes < 1:
        parser.error("--minutes must be at least 1")
    if not args.standin.exists():
        parser.error(f"{args.standin} does not exist: start the stack with `make demo KEEP=1` first")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from standin.server import Standin

    cloudwatch = Standin.read(args.standin).client("cloudwatch", args.region)
    svg = render(cloudwatch, args.dashboard, args.minutes)
    Path(args.out).write_text(svg, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
