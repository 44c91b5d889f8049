"""What a person changed on a form page, so a save writes only that.

An edit form submits every field, also those the person left alone. If those went to the store as
they are, a save would write back what the page showed when it was opened and undo a change
someone else made to another field meanwhile. So a form page also carries the values it showed,
in a hidden field (:data:`FIELD`, JSON; nothing secret: the page shows them anyway), and on save
:func:`edited` keeps only the fields whose submitted value differs from what was shown. The use
case then writes only those, field by field; for a field two people changed, the last save wins.
A form without a readable value there (a page from before this field existed) counts every field
as changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

#: The name of the hidden form field holding the values the form showed.
FIELD = "shown"


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text, tuples as lists, mappings with text keys."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def shown(values: Mapping[str, Any]) -> str:
    """The text of the hidden field for a form that shows ``values`` (as the form's parser gives them back)."""
    return json.dumps({k: _plain(v) for k, v in values.items()}, sort_keys=True, separators=(",", ":"))


def edited(changes: Mapping[str, Any], shown_text: str | None) -> dict[str, Any]:
    """The entries of ``changes`` whose value differs from what the form showed (all of them without a readable record)."""
    try:
        before = json.loads(shown_text) if shown_text else None
    except ValueError:
        before = None
    if not isinstance(before, dict):
        return dict(changes)
    return {k: v for k, v in changes.items() if k not in before or _plain(v) != before[k]}
