"""The service's request types (SPEC §7, §7.1): every body and parameter is structured once,
by the engine's converter, into these frozen values; resources use nothing else."""

from mspromo_service.contract.bulk import (
    BulkOp,
    BulkTransaction,
    CreateOp,
    DeleteOp,
    ReplaceGroupsOp,
    ReplaceNodesOp,
    SpecialInfoChange,
    UpdateOp,
    UpsertSpecialOp,
    op_paths,
)
from mspromo_service.contract.requests import (
    EVALUATE,
    ITEM_RECOMMENDATIONS,
    SUGGESTIONS,
    Endpoint,
    RetailerIds,
    parse_promotion,
)

__all__ = [
    "EVALUATE",
    "ITEM_RECOMMENDATIONS",
    "SUGGESTIONS",
    "BulkOp",
    "BulkTransaction",
    "CreateOp",
    "DeleteOp",
    "Endpoint",
    "ReplaceGroupsOp",
    "ReplaceNodesOp",
    "RetailerIds",
    "SpecialInfoChange",
    "UpdateOp",
    "UpsertSpecialOp",
    "op_paths",
    "parse_promotion",
]
