"""HTTP helpers both doors share, the JSON API (``api/v1``) and the pages (``web``).

* :func:`path_id` — an id taken from a URL path, or 422 (:class:`~network.domain.InvalidValue`)
  naming the path parameter. Routes take any segment (the ``id`` converter) so that a malformed
  id is a clear message rather than a 404.

Scope rules both doors ask (who may see what) are in :mod:`api.access`; limits on what people
enter are in :mod:`network.domain` and :mod:`network.limits`.
"""

from __future__ import annotations

from network.domain import ID_RULE, InvalidValue, check_id


def path_id(value: str, name: str) -> str:
    """``value`` if it is a well-formed id; else 422 naming the path parameter."""
    try:
        return check_id(value, name)
    except InvalidValue:
        raise InvalidValue(name, ID_RULE) from None
