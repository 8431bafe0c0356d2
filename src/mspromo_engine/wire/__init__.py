"""The wire format: bounded JSON text, the one converter, request and response types."""

from mspromo_engine.bounds import (
    DEFAULT_LIMITS,
    GROUP_NAME_LEN,
    ID_LEN,
    INT_MAX,
    NAME_LEN,
    RETAILER_LEN,
    TEXT_LEN,
    Bound,
    Limits,
    bound,
    bound_of,
)
from mspromo_engine.wire import shapes
from mspromo_engine.wire.converter import UNSET, Unset, structure, tag_of
from mspromo_engine.wire.evaluate import request_from_wire
from mspromo_engine.wire.jsontext import loads
from mspromo_engine.wire.promotions import (
    default_short_code,
    extra_data_from_wire,
    extra_data_to_wire,
    json_default,
    promotion_from_wire,
    promotion_to_wire,
    validate_promotion,
)
from mspromo_engine.wire.requests import GroupChange, HeaderUpdate, NodeRef, SuggestionsRequest
from mspromo_engine.wire.responses import (
    evaluation_response,
    recommendations_response,
    suggestions_response,
)
from mspromo_engine.wire.schema import SchemaBuilder, wire_doc

__all__ = [
    "DEFAULT_LIMITS",
    "GROUP_NAME_LEN",
    "ID_LEN",
    "INT_MAX",
    "NAME_LEN",
    "RETAILER_LEN",
    "TEXT_LEN",
    "UNSET",
    "Bound",
    "GroupChange",
    "HeaderUpdate",
    "Limits",
    "NodeRef",
    "SchemaBuilder",
    "SuggestionsRequest",
    "Unset",
    "bound",
    "bound_of",
    "default_short_code",
    "evaluation_response",
    "extra_data_from_wire",
    "extra_data_to_wire",
    "json_default",
    "loads",
    "promotion_from_wire",
    "promotion_to_wire",
    "recommendations_response",
    "request_from_wire",
    "shapes",
    "structure",
    "suggestions_response",
    "tag_of",
    "validate_promotion",
    "wire_doc",
]
