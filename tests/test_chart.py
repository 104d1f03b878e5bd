"""The team chart: a PNG a person can read, in their language, the same for the same figures.

The PNG is read with the standard library (its chunks, their checksums, IHDR's size); the
words on it are read from the figure's text artists, the ones the PNG is rendered from.
"""

from __future__ import annotations

import datetime
import os
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from matplotlib.text import Text

from bot import strings
from bot.domain.insights import FunnelStep, WeekPoint
from bot.render import chart
from bot.strings import Language

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

TITLES = {
    "en": ["Register on Mistral AI Studio", "Enter company billing details", "Add a payment method",
           "Turn on auto-recharge", "Choose a plan: Experiment or Scale",
           "Set a monthly spending limit", "Create an API key", "Create a new workspace",
           "Invite colleagues to the organization", "Add members to a workspace",
           "Check your rate limits", "Connect Mistral to AIsuru"],
    "it": ["Registrati su Mistral AI Studio", "Inserisci i dati aziendali per la fatturazione",
           "Aggiungi un metodo di pagamento", "Attiva la ricarica automatica",
           "Scegli un piano: Experiment o Scale", "Imposta un limite di spesa mensile",
           "Crea una chiave API", "Crea un nuovo workspace",
           "Invita i colleghi nell'organizzazione", "Aggiungi membri a un workspace",
           "Controlla i tuoi rate limit", "Collega Mistral ad AIsuru"],
}  # fmt: skip
REACHED = [41, 38, 35, 30, 29, 24, 22, 14, 12, 9, 6, 4]
STARTED = 43
# Ten weeks from Monday 5 January 2026: the chart shows the last eight, 19 Jan to 9 Mar.
WEEKS = [
    WeekPoint(datetime.date(2026, 1, 5) + datetime.timedelta(weeks=n), answered, not_covered)
    for n, (answered, not_covered) in enumerate(
        [(3, 1), (8, 0), (12, 4), (19, 6), (15, 2), (22, 7), (9, 5), (11, 1), (6, 3), (4, 0)]
    )
]


def _funnel(language: Language) -> list[FunnelStep]:
    return [
        FunnelStep(number, title, reached)
        for number, (title, reached) in enumerate(zip(TITLES[language], REACHED, strict=True), 1)
    ]


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Each chunk's type and data, checking the signature and every chunk's CRC."""
    assert png[:8] == PNG_SIGNATURE
    chunks, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + data) == crc, f"{kind!r} chunk is corrupt"
        chunks.append((kind, data))
        at += 12 + length
    return chunks


def _size(png: bytes) -> tuple[int, int]:
    kind, data = _chunks(png)[0]
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", data[:8])
    return width, height


def _big_enough(png: bytes) -> bool:
    width, height = _size(png)
    return width >= 800 and height >= 400


def _words(
    language: Language,
    funnel: list[FunnelStep] | None = None,
    weeks: list[WeekPoint] = WEEKS,
    started: int = STARTED,
) -> list[str]:
    """Every text a person sees on the chart: of the realistic figures, unless given others."""
    steps = _funnel(language) if funnel is None else funnel
    figure = chart.figure(steps, weeks, started, language)
    return [
        text.get_text() for text in figure.findobj(Text) if text.get_visible() and text.get_text()
    ]


def test_the_chart_is_a_whole_png_at_least_800_by_400() -> None:
    png = chart.draw(_funnel("en"), WEEKS, STARTED, "en")

    chunks = _chunks(png)
    assert chunks[0][0] == b"IHDR"
    assert chunks[-1][0] == b"IEND"
    assert b"IDAT" in {kind for kind, _ in chunks}
    assert _big_enough(png)


def test_the_same_figures_draw_the_same_bytes_with_no_software_stamp() -> None:
    first = chart.draw(_funnel("en"), WEEKS, STARTED, "en")

    assert chart.draw(_funnel("en"), WEEKS, STARTED, "en") == first
    assert {kind for kind, _ in _chunks(first)} & {b"tEXt", b"iTXt", b"zTXt", b"tIME"} == set()
    assert chart.draw(_funnel("en"), WEEKS, STARTED + 1, "en") != first


def test_charts_drawn_at_once_in_threads_are_each_whole() -> None:
    """The digest may draw from worker threads: no figure shares state with another."""
    alone = {
        language: chart.draw(_funnel(language), WEEKS, STARTED, language)
        for language in ("en", "it")
    }
    languages: list[Language] = ["en", "it"] * 3

    with ThreadPoolExecutor(max_workers=len(languages)) as pool:
        drawn = list(
            pool.map(lambda lang: chart.draw(_funnel(lang), WEEKS, STARTED, lang), languages)
        )

    assert drawn == [alone[language] for language in languages]


def test_a_team_where_nobody_started_and_nobody_asked_gets_a_chart_that_says_so() -> None:
    for language in strings.LANGUAGES:
        untouched = [FunnelStep(step.number, step.title, 0) for step in _funnel(language)]
        for funnel in ([], untouched):
            png = chart.draw(funnel, [], 0, language)
            words = _words(language, funnel=funnel, weeks=[], started=0)

            assert _big_enough(png)
            assert strings.text(language, "chart_nobody") in words
            assert strings.text(language, "chart_no_questions") in words


def test_weeks_without_a_question_say_so_instead_of_drawing_empty_columns() -> None:
    quiet = [WeekPoint(week.week_start, 0, 0) for week in WEEKS]

    words = _words("en", weeks=quiet)

    assert strings.text("en", "chart_no_questions") in words
    assert strings.text("en", "chart_answered") not in words


def test_each_step_shows_how_many_did_it_and_their_share_of_those_who_started() -> None:
    words = _words("en")

    assert "1. Register on Mistral AI Studio" in words
    assert "41 (95%)" in words  # 41 of 43
    assert "4 (9%)" in words
    assert strings.text("en", "chart_funnel", count=STARTED) in words


def test_a_long_step_title_is_cut_with_an_ellipsis_and_keeps_its_number() -> None:
    long_title = "Invite every colleague of every department to the organization, then check"
    funnel = [FunnelStep(9, long_title, 12)]

    label = next(word for word in _words("en", funnel=funnel) if word.startswith("9. Invite"))

    assert label.endswith("…")
    assert len(label) <= chart.LABEL_CHARS
    assert long_title not in _words("en", funnel=funnel)


def test_the_last_eight_weeks_are_drawn_with_their_totals() -> None:
    words = _words("en")

    dates = ["Jan 19", "Jan 26", "Feb 2", "Feb 9", "Feb 16", "Feb 23", "Mar 2", "Mar 9"]
    assert [word for word in words if word in dates] == dates
    assert "Jan 5" not in words
    assert "Jan 12" not in words
    assert "29" in words  # the week of 9 Feb: 22 answered, 7 not covered


def test_the_chart_speaks_the_readers_language_dates_included() -> None:
    english, italian = _words("en"), _words("it")

    for key in ("chart_heading", "chart_weeks", "chart_answered", "chart_not_covered"):
        assert strings.text("en", key) in english
        assert strings.text("it", key) in italian
        assert strings.text("en", key) not in italian
    # Italian short dates, day first, from the catalog's month names, whatever the locale.
    assert [w for w in italian if w in {"19 gen", "2 feb", "9 mar"}] == ["19 gen", "2 feb", "9 mar"]
    assert "Feb 2" not in italian
    assert chart.draw(_funnel("en"), WEEKS, STARTED, "en") != chart.draw(
        _funnel("it"), WEEKS, STARTED, "it"
    )


def test_counts_are_written_the_way_the_reader_writes_numbers() -> None:
    words = _words("it", funnel=[FunnelStep(1, "Registrati", 1234)], started=2000)

    assert "1.234 (62%)" in words


def test_the_chart_draws_where_home_cannot_be_written() -> None:
    """A container's user may have no writable home: matplotlib's font cache then goes
    to a temporary directory, and the chart is drawn all the same."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"}
    }
    environment["HOME"] = "/proc/no-home"  # not even root can make a directory there
    script = (
        "import sys; from bot.render import chart; "
        "sys.stdout.buffer.write(chart.draw([], [], 0, 'en'))"
    )

    done = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=True,
    )

    assert done.stdout[:8] == PNG_SIGNATURE
    assert _big_enough(done.stdout)
