"""Chart geometry for plain server-rendered SVG: numbers only; the studio's templates draw them
(with autoescaping, so labels are text, never markup)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clientsuccess_connector.health.series import ScorePoint, Week

DISPOSITIONS = (
    "EXTREMELY_SATISFIED", "VERY_SATISFIED", "FAIRLY_SATISFIED", "SOME_RISK", "HIGH_RISK",
    "SEVERE_RISK",
)  # fmt: skip
"""Pulse dispositions from best to worst: the order of stacks and legend."""
COLORS = {
    "EXTREMELY_SATISFIED": "#1a7f37", "VERY_SATISFIED": "#4caf50", "FAIRLY_SATISFIED": "#a3c644",
    "SOME_RISK": "#e3b341", "HIGH_RISK": "#e8702a", "SEVERE_RISK": "#c62828", "other": "#888888",
}  # fmt: skip
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 34


@dataclass(frozen=True, slots=True)
class Dot:
    """A point of the score line, with its label for the tooltip."""

    x: float
    y: float
    color: str
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis label at a position."""

    at: float
    label: str
    anchor: str = "middle"
    """SVG text-anchor: the first and last dates of a line keep inside the plot."""


@dataclass(frozen=True, slots=True)
class ScoreChart:
    """A line of scores (0 to 100) over time."""

    width: int
    height: int
    line: str
    dots: list[Dot]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot: tuple[float, float, float, float]  # left, top, right, bottom


def _y(score: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, min(100.0, score)) / 100)


def score_chart(points: list[ScorePoint]) -> ScoreChart:
    """The score line of a client's Pulses; x spans the first to the last Pulse."""
    y_ticks = [Tick(_y(v), str(v)) for v in (0, 25, 50, 75, 100)]
    plot = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    if not points:
        return ScoreChart(WIDTH, HEIGHT, "", [], [], y_ticks, plot)
    first, last = points[0].at.timestamp(), points[-1].at.timestamp()
    span = max(last - first, 1.0)
    inner = WIDTH - LEFT - RIGHT

    def x(at: datetime) -> float:
        if len(points) == 1:
            return LEFT + inner / 2
        return LEFT + inner * (at.timestamp() - first) / span

    dots = [
        Dot(round(x(p.at), 1), round(_y(p.score), 1),
            COLORS.get(p.disposition or "", COLORS["other"]),
            f"{p.at.date().isoformat()}: {p.score:g} ({p.disposition or 'no disposition'})")
        for p in points
    ]  # fmt: skip
    line = " ".join(f"{d.x},{d.y}" for d in dots)
    picks = sorted({0, len(points) // 2, len(points) - 1})
    anchors = {0: "start", len(points) - 1: "end"} if len(points) > 1 else {}
    x_ticks = [
        Tick(dots[i].x, points[i].at.date().isoformat(), anchors.get(i, "middle")) for i in picks
    ]
    return ScoreChart(WIDTH, HEIGHT, line, dots, x_ticks, y_ticks, plot)


@dataclass(frozen=True, slots=True)
class Bar:
    """One stacked segment: a disposition's Pulses in a week."""

    x: float
    y: float
    width: float
    height: float
    color: str
    label: str


@dataclass(frozen=True, slots=True)
class WeeksChart:
    """Pulse dispositions per week, stacked."""

    width: int
    height: int
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]
    plot: tuple[float, float, float, float]


def weeks_chart(weeks: list[Week]) -> WeeksChart:
    """Stacked bars, best disposition at the bottom, one bar per week."""
    peak = max([w.total for w in weeks] + [1])
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(weeks), 1)
    bars: list[Bar] = []
    for i, week in enumerate(weeks):
        base: float = HEIGHT - BOTTOM
        kinds = [k for k in DISPOSITIONS if k in week.counts]
        kinds += sorted(k for k in week.counts if k not in DISPOSITIONS)
        for kind in kinds:
            count = week.counts[kind]
            height = inner_h * count / peak
            base -= height
            bars.append(Bar(round(LEFT + i * slot + slot * 0.15, 1), round(base, 1),
                            round(slot * 0.7, 1), round(height, 1),
                            COLORS.get(kind, COLORS["other"]),
                            f"week of {week.start.isoformat()}: {count} {kind}"))  # fmt: skip
    step = max(1, len(weeks) // 6)
    x_ticks = [
        Tick(round(LEFT + i * slot + slot / 2, 1), w.start.strftime("%d %b"))
        for i, w in enumerate(weeks) if i % step == 0
    ]  # fmt: skip
    y_ticks = [Tick(round(HEIGHT - BOTTOM - inner_h * v / peak, 1), str(v))
               for v in sorted({0, peak // 2, peak})]  # fmt: skip
    legend = [(k, COLORS[k]) for k in DISPOSITIONS]
    plot = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    return WeeksChart(WIDTH, HEIGHT, bars, x_ticks, y_ticks, legend, plot)
