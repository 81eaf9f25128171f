"""A quote, a date or a model name in the title block is kept whole when a smaller size lets
it fit on one line (issue 18, point 7): it is shrunk, never broken after a hyphen."""

from generator.sheet import fit, title

NBSP = "\u00a0"


def test_a_quote_shrinks_rather_than_breaking_after_a_hyphen() -> None:
    fitted = title._fit_field("Q-2026-0317-REV-B-FINAL", 110, 26.5, title.FIELD_SIZES, False)
    assert fitted == fit.Fitted(8.0, ("Q-2026-0317-REV-B-FINAL",))


def test_a_date_and_a_model_each_stay_on_one_line() -> None:
    fitted = title._fit_field("2026-12-06 LL-V2-4-DIP", 60, 26.5, title.FIELD_SIZES, False)
    assert all(line in ("2026-12-06", "LL-V2-4-DIP") for line in fitted.lines)


def test_a_date_is_kept_whole_in_the_title_block() -> None:
    """A date in its box shrinks to fit on one line; it never splits at a space."""
    fitted = title._fit_field(
        title._kept("date", "24 novembre 2026") or "", 65, 19.5, title.FIELD_SIZES, False
    )
    assert fitted == fit.Fitted(7.0, ("24 novembre 2026",))


def test_ids_dates_pages_and_model_names_are_kept_whole_in_the_sheet() -> None:
    from generator.sheet.render import keep_states

    text = keep_states(
        "set (ID 64), IDs 1–15 on 2026-12-06, see page 4, LifePower4 V2 with auto-ID, LL-S",
        ("LifePower4 V2 with auto-ID", "LifePower4 V2", "LL-S"),
    )
    # A dash or a hyphen is a place to break: such a token stands in a no-break span.
    for whole in ["IDs 1–15", "2026-12-06", "LifePower4 V2 with auto-ID", "LL-S"]:
        assert f'<span class="nobr">{whole}</span>' in text, whole
    # One that breaks only at its spaces is held by no-break spaces, with no box of its own.
    for whole in ["ID 64", "page 4"]:
        assert f"({whole.replace(' ', NBSP)})" in text or f" {whole.replace(' ', NBSP)}," in text
        assert whole not in text, whole
    assert text.count("<span") == 4


def test_a_token_of_letters_digits_and_spaces_needs_no_box() -> None:
    from generator.sheet.render import keep_states

    text = keep_states("the LL-V2 (6 DIP) runs V1.0, ID 7 of IDs 1–16", ("LL-V2 (6 DIP)",))
    assert str(text) == (
        'the <span class="nobr">LL-V2 (6 DIP)</span> runs V1.0, ID\u00a07 of '
        '<span class="nobr">IDs 1–16</span>'
    )


def test_a_cell_that_is_one_whole_token_keeps_it_itself() -> None:
    """A model name that fills its cell (the firmware checklist, the summary) is kept whole by
    the cell (class nobr), with no span of its own; a sentence keeps its spans."""
    from generator.sheet.render import render_html
    from tests.helpers import EXAMPLE, analysis_of

    html = render_html(analysis_of(EXAMPLE), EXAMPLE.name)
    assert '<td class="model nobr">LL-V2 (6 DIP)</td>' in html
    assert '<td class="big nobr">LL-S</td>' in html  # the master, in the summary
    assert '<th class="nobr">LL-V2 (4 DIP)</th>' in html
    assert '<td class="model"><span' not in html and "<th><span" not in html
    # each battery's required firmware bold by its cell, not a <b> of its own
    assert html.count('<td class="required">') == len(analysis_of(EXAMPLE).plan.batteries)
    assert 'of each <span class="nobr">LL-S</span>' in html  # a sentence's own span stays
