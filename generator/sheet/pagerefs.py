"""Page references known before the page that holds them is laid out.

A step names the page a section starts on ("as shown in 3 · DIP switches, page 2": CSS
`target-counter(attr(href url), page)`). WeasyPrint 70 builds such a text before any page
exists, so the page holding it is first laid out with "page 0" and laid out again once the
number is known: every sheet's last page twice, about 9 % of a one-battery sheet's build.
(It also files a target named by `attr()` under no name, and learns of the number only by
the way: sheet.css used to carry a second, blank reference for that.)

`install` wraps WeasyPrint's `make_page`. Before a page is laid out, each reference not yet
placed on an earlier page is built with the page its section starts on, or, for a section not
laid out yet, with the number of the page about to be laid out (the sheet's references point
back, or to a section on their own page). After the page is laid out, a reference whose number
turned out otherwise is built again and its page laid out again, as WeasyPrint would: a wrong
guess costs a layout, never a wrong number. Only a `content` made of strings and
`target-counter(…, page)` is taken over; WeasyPrint keeps the rest (tests/test_layout_cost.py).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from generator.sheet import libraries  # noqa: F401  (before WeasyPrint: see there)

# isort: split
from weasyprint.css.targets import TargetCollector, anchor_name_from_token
from weasyprint.layout import page as weasy_page
from weasyprint.urls import get_url_tuple

OWN_MAKE_PAGE = weasy_page.make_page  # WeasyPrint's own
_lock = threading.Lock()


@dataclass
class Reference:
    """A box whose content names the pages of `anchors`, and the pages it was built with."""

    lookup: Any  # WeasyPrint's CounterLookupItem for the box's content
    anchors: tuple[Any, ...]  # each target's TargetLookupItem
    shown: tuple[int, ...] | None = None
    guessed: tuple[bool, ...] = field(default=())


_taken: weakref.WeakKeyDictionary[TargetCollector, list[Reference]] = weakref.WeakKeyDictionary()


def install() -> None:
    """Lay out pages with `make_page` from now on (once per process; idempotent: a function
    that wraps it, a test's counter, stays in place)."""
    with _lock:
        if weasy_page.make_page is OWN_MAKE_PAGE:
            weasy_page.make_page = make_page


def make_page(
    context: Any, root_box: Any, page_type: Any, resume_at: Any, page_number: int, page_state: Any
) -> Any:
    """WeasyPrint's `make_page`, with the page references on it built before it is laid out
    and checked after."""
    references = _references(context.target_collector)
    if not references:
        return OWN_MAKE_PAGE(context, root_box, page_type, resume_at, page_number, page_state)
    index = page_number - 1
    # The page counter this page will have: WeasyPrint adds one to the last page's.
    guess = page_state[1].get("page", [0])[-1] + 1
    for reference in references:
        placed = reference.lookup.page_maker_index
        if placed is None or placed >= index:  # it may land on this page
            _build(reference, [_page(target, guess) for target in reference.anchors])
    made = OWN_MAKE_PAGE(context, root_box, page_type, resume_at, page_number, page_state)
    page_maker = context.page_maker
    for reference in references:
        placed = reference.lookup.page_maker_index
        if placed is None or placed >= len(page_maker) or reference.shown is None:
            continue  # not laid out yet: built again before the page it lands on
        pages = [
            _page(target, shown) if target.page_maker_index is not None else (shown, guessed)
            for target, shown, guessed in zip(
                reference.anchors, reference.shown, reference.guessed, strict=True
            )
        ]
        if tuple(number for number, _ in pages) != reference.shown:
            _build(reference, pages)
            page_maker[placed][-1]["content_changed"] = True  # WeasyPrint lays it out again
    return made


def _references(collector: TargetCollector) -> list[Reference]:
    """The page references of the document, taken from WeasyPrint's own bookkeeping the first
    time a page of it is laid out (the boxes are all built by then)."""
    found = _taken.get(collector)
    if found is None:
        found = []
        for (box, token), lookup in collector.counter_lookup_items.items():
            anchors = _page_targets(box, collector) if token == "content" else None
            if anchors:
                # WeasyPrint need no longer remake a page for it: `make_page` sees to it.
                lookup.missing_counters = []
                lookup.missing_target_counters = {}
                found.append(Reference(lookup, anchors))
        _taken[collector] = found
    return found


def _page_targets(box: Any, collector: TargetCollector) -> tuple[Any, ...] | None:
    """The targets whose page numbers are all the box's content names besides strings, or
    None when the content holds anything else."""
    content = box.style["content"]
    if not isinstance(content, tuple):  # normal, none, inhibit
        return None
    targets = []
    for kind, value in content:
        if kind == "string":
            continue
        if kind != "target-counter()":
            return None
        (anchor_token, counter), style = value[:2], value[-1]
        if counter != "page" or style == "none":
            return None
        target = collector.target_lookup_items.get(_anchor_name(anchor_token, box))
        if target is None or target.state != "up-to-date":
            return None
        targets.append(target)
    return tuple(targets)


def _anchor_name(token: Any, box: Any) -> str | None:
    """The anchor a target-counter() names, `attr()` read as WeasyPrint reads it."""
    if token[0] == "attr()":
        attribute, kind, fallback = token[1]
        value = box.element.get(attribute, fallback)
        if kind == "url":
            token = ("url", get_url_tuple(value, box.style.base_url))
        elif kind == "string":
            token = ("string", value)
        else:
            return None
    name = anchor_name_from_token(token)
    return name if isinstance(name, str) else None


def _page(target: Any, guess: int) -> tuple[int, bool]:
    """The page counter of a target as target-counter() reads it, and whether it is a
    guess (the target not laid out yet)."""
    if target.page_maker_index is None:
        return guess, True
    counters = dict(target.cached_page_counter_values)
    counters.update(target.target_box.cached_counter_values)
    return counters.get("page", [0])[-1], False


def _build(reference: Reference, pages: list[tuple[int, bool]]) -> None:
    """Build the reference's text again with these page numbers, through WeasyPrint's own
    function for it (`parse_again`), unless it already shows them."""
    shown = tuple(number for number, _ in pages)
    reference.guessed = tuple(guessed for _, guessed in pages)
    if shown == reference.shown:
        return
    kept = []
    for target, (number, guessed) in zip(reference.anchors, pages, strict=True):
        if guessed:  # target-counter() reads a target's page from here
            kept.append((target, target.cached_page_counter_values))
            target.cached_page_counter_values = {"page": [number]}
    try:
        reference.lookup.parse_again(None)
    finally:
        for target, values in kept:
            target.cached_page_counter_values = values
    reference.shown = shown
