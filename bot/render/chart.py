"""The team chart as a PNG: who did each checklist step, and the questions asked per week.

Drawn with matplotlib's object API straight onto its Agg canvas, never through pyplot: no
display is needed, no global figure state is touched, and each call's figure is its own,
so drawing is safe from any thread. Every word comes from the catalog in the reader's
language, dates included (month names from the catalog, never the machine's locale).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure

from bot import strings
from bot.domain.insights import FunnelStep, WeekPoint
from bot.strings import Language

# 12 by 6 inches at 100 dpi: 1200 by 600 pixels, whose text (10.5 points and up) still
# reads when a preview scales the image down to 800 pixels wide.
SIZE_INCHES = (12.0, 6.0)
DPI = 100
WEEKS_SHOWN = 8
STEP_ROWS = 12
LABEL_CHARS = 40  # a step's label, number included; a longer title ends in an ellipsis

# Okabe and Ito's palette, which colour-blind readers tell apart; the dark blue and the
# light orange also stay apart in greyscale print. The funnel has a colour of its own, so
# blue means "answered" wherever it is.
GREEN = "#009E73"
BLUE = "#0072B2"
ORANGE = "#E69F00"
PANEL = "#F2F2F2"  # behind a panel's "nothing to show"
TRACK = "#E6E6E6"  # everyone who started, behind each step's bar
INK = "#222222"
MUTED = "#595959"


def draw(
    funnel: Sequence[FunnelStep], weeks: Sequence[WeekPoint], started: int, language: Language
) -> bytes:
    """The chart as PNG bytes; the same input gives the same bytes."""
    png = io.BytesIO()
    # Without the Software text chunk the file holds the picture only (PNGs carry no date).
    figure(funnel, weeks, started, language).savefig(png, format="png", metadata={"Software": None})
    return png.getvalue()


def figure(
    funnel: Sequence[FunnelStep], weeks: Sequence[WeekPoint], started: int, language: Language
) -> Figure:
    """The chart, on its own Agg canvas: the checklist funnel on the left, each step's
    bar out of the ``started`` people, and on the right the last ``WEEKS_SHOWN`` of
    ``weeks``, answered and not covered stacked."""
    chart = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(chart)  # attaches itself: savefig renders with Agg
    _title(chart, strings.text(language, "chart_heading"), size=16, weight="bold")
    # A subfigure per panel, so each title starts at its panel's left edge, the step
    # labels' edge on the left, where the eye starts reading.
    grid = chart.add_gridspec(1, 2, width_ratios=(11, 9), wspace=0.04)
    steps, questions = chart.add_subfigure(grid[0]), chart.add_subfigure(grid[1])
    _title(steps, strings.text(language, "chart_funnel", count=started))
    _draw_funnel(steps.add_subplot(), funnel, started, language)
    _title(questions, strings.text(language, "chart_weeks"))
    _draw_weeks(questions.add_subplot(), weeks, language)
    return chart


def _draw_funnel(
    axes: Axes, funnel: Sequence[FunnelStep], started: int, language: Language
) -> None:
    if started <= 0 or not funnel:
        _say(axes, strings.text(language, "chart_nobody"))
        return
    rows = range(len(funnel))
    whole = max(started, *(step.reached for step in funnel))
    axes.barh(rows, [whole] * len(funnel), height=0.72, color=TRACK)
    bars = axes.barh(rows, [step.reached for step in funnel], height=0.72, color=GREEN)
    labels = [_reached(step.reached, started, language) for step in funnel]
    axes.bar_label(bars, labels=labels, padding=5, fontsize=10.5, color=INK)
    axes.set_yticks(rows, labels=[_step_label(step) for step in funnel])
    # Step 1 on top, as the checklist reads. Room for 12 rows whatever the number of steps,
    # so a short funnel keeps slim bars rather than growing blocks.
    axes.set_ylim(max(len(funnel), STEP_ROWS) - 0.5, -0.5)
    axes.set_xlim(0, whole * 1.2)  # room for the label after a full bar
    axes.set_xticks([])
    axes.tick_params(axis="y", length=0, labelsize=11, labelcolor=INK)
    for spine in axes.spines.values():
        spine.set_visible(False)


def _draw_weeks(axes: Axes, weeks: Sequence[WeekPoint], language: Language) -> None:
    shown = sorted(weeks, key=lambda week: week.week_start)[-WEEKS_SHOWN:]
    if not any(week.answered or week.not_covered for week in shown):
        _say(axes, strings.text(language, "chart_no_questions"))
        return
    columns = range(len(shown))
    answered = [week.answered for week in shown]
    axes.bar(
        columns, answered, width=0.66, color=BLUE, label=strings.text(language, "chart_answered")
    )
    tops = axes.bar(
        columns,
        [week.not_covered for week in shown],
        width=0.66,
        bottom=answered,
        color=ORANGE,
        label=strings.text(language, "chart_not_covered"),
    )
    # Each week's total on its column says the numbers, so no y axis: its room goes to
    # the columns and their dates.
    totals = [strings.number(w.answered + w.not_covered, language) for w in shown]
    axes.bar_label(tops, labels=totals, padding=3, fontsize=10.5, color=INK)
    axes.set_xticks(columns, labels=[_week_day(week.week_start, language) for week in shown])
    axes.set_xlabel(strings.text(language, "chart_week_axis"), fontsize=11, color=MUTED)
    axes.set_yticks([])
    axes.tick_params(length=0, labelsize=10.5, labelcolor=INK)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    # Between the title and the bars (a lower-left corner at the top of the axes), where
    # no bar can hide under it.
    axes.legend(loc=(0.0, 1.0), ncols=2, frameon=False, fontsize=10.5, handlelength=1.2)


def _title(panel: Figure | SubFigure, text: str, size: float = 13, weight: str = "normal") -> None:
    panel.suptitle(text, x=0.01, ha="left", fontsize=size, fontweight=weight, color=INK)


def _say(axes: Axes, text: str) -> None:
    """Say in the panel's middle why it has nothing to draw."""
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        text,
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=13,
        color=MUTED,
        bbox={"boxstyle": "round,pad=1.2", "facecolor": PANEL, "edgecolor": "none"},
    )


def _reached(reached: int, started: int, language: Language) -> str:
    share = round(100 * reached / started)
    return f"{strings.number(reached, language)} ({share}%)"


def _step_label(step: FunnelStep) -> str:
    label = f"{step.number}. {step.title}"
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _week_day(day: datetime.date, language: Language) -> str:
    """A week's first day as a short date: "Mar 3" in English, "3 mar" in Italian."""
    month = strings.lines(language, "chart_months")[day.month - 1]
    return strings.text(language, "chart_week_day", month=month, day=day.day)
