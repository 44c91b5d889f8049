"""What every area of the JSON API shares: strict schemas, keyset pagination and path ids.

* :class:`StrictSchema` — base for input schemas: unknown fields are an error (422), never ignored.
* :class:`PageQuery` / :func:`page_schema` / :func:`page_body` — ``?limit=&after=`` in, and
  ``{"items": [...], "next_after": "..." | null}`` out (pass ``next_after`` back as ``after``).
* :func:`date_field` — a date a person gives, inside the one window of dates people may enter
  (:mod:`network.limits`): 422 naming the field otherwise.
* Path ids use the ``id`` converter: ``@blp.route("/assessors/<id:assessor_id>")``. Routing takes
  any segment; :func:`path_id` (from :mod:`api.http`, which the pages share) answers 422 naming the
  parameter for a malformed one, and the OpenAPI document gives its pattern (:data:`network.domain.ID_PATTERN`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.routing import BaseConverter

from api.http import path_id as path_id  # shared with the pages
from graph.values import MAX_PAGE, Page
from network import limits
from network.domain import EMAIL_MAX, EMAIL_PATTERN, ID_MAX, ID_PATTERN, ID_RULE


class StrictSchema(Schema):
    """An input schema that refuses unknown fields."""

    class Meta:
        unknown = RAISE


def id_field(**kwargs: Any) -> fields.String:
    """A field holding a stable id."""
    return fields.String(validate=validate.Regexp(ID_PATTERN, error=ID_RULE), **kwargs)


def email_field(**kwargs: Any) -> fields.String:
    """An e-mail address as the domain takes it (:data:`network.domain.EMAIL_PATTERN`, at most :data:`~network.domain.EMAIL_MAX`)."""
    return fields.String(
        validate=[validate.Length(max=EMAIL_MAX), validate.Regexp(EMAIL_PATTERN, error="must be an email address")],
        metadata={"format": "email"},
        **kwargs,
    )


def _in_date_window(value: Any) -> None:
    if value is not None and (problem := limits.date_problem(value)) is not None:
        raise ValidationError(problem)


def date_field(**kwargs: Any) -> fields.Date:
    """A date a person gives (``YYYY-MM-DD``), from :data:`network.limits.DATE_MIN` to :data:`network.limits.YEARS_AHEAD` years ahead."""
    metadata = dict(kwargs.pop("metadata", {}))
    window = f"From {limits.DATE_MIN.isoformat()} to {limits.YEARS_AHEAD} years after today."
    metadata["description"] = f"{metadata['description']} {window}" if metadata.get("description") else window
    return fields.Date(validate=_in_date_window, metadata=metadata, **kwargs)


class PageQuery(StrictSchema):
    """Keyset pagination: at most ``limit`` items after the id ``after``."""

    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=MAX_PAGE), metadata={"description": f"Page size, 1-{MAX_PAGE}."}
    )
    after = id_field(load_default=None, metadata={"description": "The `next_after` of the previous page; omit for the first page."})


@cache
def page_schema(item: type[Schema]) -> type[Schema]:
    """The page envelope of ``item`` (one class per item schema, named ``<Item>Page`` in the OpenAPI document)."""
    name = item.__name__.removesuffix("Schema") + "Page"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_after": fields.String(
                required=True, allow_none=True, metadata={"description": "Pass as `after` for the next page; null on the last page."}
            ),
            "__doc__": f"One page of {item.__name__.removesuffix('Schema')} items.",
        },
    )


def page_body(page: Page[Any]) -> dict[str, Any]:
    """The page as the envelope expects it."""
    return {"items": page.items, "next_after": page.next_after}


class IdConverter(BaseConverter):
    """A path segment holding an id; validated by the view (so a bad one is 422, not 404)."""

    regex = "[^/]+"


def id_converter_schema(converter: BaseConverter) -> dict[str, Any]:
    """How the ``id`` converter is documented."""
    return {"type": "string", "pattern": ID_PATTERN, "minLength": 1, "maxLength": ID_MAX}
