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
from mspromo_engine.codec import default_short_code, validate_promotion
from mspromo_engine.wire import shapes
from mspromo_engine.wire.converter import UNSET, Unset, structure, tag_of
from mspromo_engine.wire.jsontext import loads
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
    "loads",
    "recommendations_response",
    "shapes",
    "structure",
    "suggestions_response",
    "tag_of",
    "validate_promotion",
    "wire_doc",
]
