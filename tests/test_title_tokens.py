"""A quote, a date or a model name in the title block is kept whole when a smaller size lets
it fit on one line (issue 18, point 7): it is shrunk, never broken after a hyphen."""

from generator.sheet import fit, title


def test_a_quote_shrinks_rather_than_breaking_after_a_hyphen() -> None:
    fitted = title._fit_field("Q-2026-0317-REV-B-FINAL", 110, 26.5, title.FIELD_SIZES, False)
    assert fitted == fit.Fitted(8.0, ("Q-2026-0317-REV-B-FINAL",))


def test_a_date_and_a_model_each_stay_on_one_line() -> None:
    fitted = title._fit_field("2026-12-06 LL-V2-4-DIP", 60, 26.5, title.FIELD_SIZES, False)
    assert all(line in ("2026-12-06", "LL-V2-4-DIP") for line in fitted.lines)
