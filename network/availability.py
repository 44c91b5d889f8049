"""Weekly availability: a fixed vocabulary of slots and the helpers that compare them.

A slot is a day and a part of the day, written ``"<day>-<part>"``, for example
``"tue-pm"``. Sets meet online, so availability is the only thing that decides
whether people *can* meet; region does not.

>>> common_slots({"mon-am", "tue-pm"}, {"tue-pm", "wed-eve"})
('tue-pm',)
>>> describe_slot("tue-pm")
'Tuesday afternoons'
"""

from __future__ import annotations

from collections.abc import Iterable

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS: tuple[str, ...] = ("am", "pm", "eve")

#: Every slot in week order (Monday morning first).
SLOTS: tuple[str, ...] = tuple(f"{d}-{p}" for d in DAYS for p in PARTS)
_ORDER = {slot: i for i, slot in enumerate(SLOTS)}

_DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
_PART_NAMES = {"am": "mornings", "pm": "afternoons", "eve": "evenings"}


class UnknownSlot(ValueError):
    """A slot name outside the weekly vocabulary."""


def is_slot(value: str) -> bool:
    """True when ``value`` is one of :data:`SLOTS`."""
    return value in _ORDER


def normalise(slots: Iterable[str]) -> tuple[str, ...]:
    """Return the slots lower-cased, de-duplicated and in week order.

    Raises :class:`UnknownSlot` naming every value outside the vocabulary, and
    ``TypeError`` for an item that is not text.
    """
    items = list(slots)
    if any(s and not isinstance(s, str) for s in items):
        raise TypeError(f"slots must be text, got {items!r}")
    cleaned = {s.strip().lower() for s in items if s and s.strip()}
    unknown = sorted(s for s in cleaned if s not in _ORDER)
    if unknown:
        raise UnknownSlot(
            f"unknown availability slot(s): {', '.join(unknown)} "
            f"(expected day-part such as 'tue-pm'; days {'/'.join(DAYS)}, parts {'/'.join(PARTS)})"
        )
    return tuple(sorted(cleaned, key=_ORDER.__getitem__))


def parse(text: str, sep: str = ";") -> tuple[str, ...]:
    """Parse a separated list such as ``"mon-am; tue-pm"`` into normalised slots."""
    return normalise(text.split(sep)) if text else ()


def format_slots(slots: Iterable[str], sep: str = ";") -> str:
    """The inverse of :func:`parse`."""
    return sep.join(normalise(slots))


def common_slots(*availabilities: Iterable[str]) -> tuple[str, ...]:
    """Slots every given availability shares, in week order (empty for no arguments)."""
    if not availabilities:
        return ()
    shared = set(availabilities[0])
    for other in availabilities[1:]:
        shared &= set(other)
    return tuple(sorted((s for s in shared if s in _ORDER), key=_ORDER.__getitem__))


def overlaps(a: Iterable[str], b: Iterable[str]) -> bool:
    """True when two availabilities share at least one slot."""
    return bool(set(a) & set(b))


def to_mask(slots: Iterable[str]) -> int:
    """Encode slots as a bit mask (bit i = ``SLOTS[i]``), handy for fast overlap tests."""
    mask = 0
    for s in slots:
        if s not in _ORDER:
            raise UnknownSlot(f"unknown availability slot: {s}")
        mask |= 1 << _ORDER[s]
    return mask


def from_mask(mask: int) -> tuple[str, ...]:
    """Decode a bit mask made by :func:`to_mask`."""
    return tuple(s for i, s in enumerate(SLOTS) if mask >> i & 1)


def describe_slot(slot: str) -> str:
    """A slot in words a person would use, e.g. ``'Tuesday afternoons'``."""
    if slot not in _ORDER:
        raise UnknownSlot(f"unknown availability slot: {slot}")
    day, part = slot.split("-")
    return f"{_DAY_NAMES[day]} {_PART_NAMES[part]}"
