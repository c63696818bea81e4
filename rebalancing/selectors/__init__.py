"""Reads of the rebalancing app: the engine's request from stored rows, proposals, impact."""

from .proposals import (
    AllocationRow,
    allocation_rows,
    proposal_for_user,
    proposal_json,
    proposal_list,
    proposal_pending,
    proposal_trades,
)
from .request import EngineInput, engine_input, policy_of, target_of, target_weights

__all__ = [
    "AllocationRow",
    "EngineInput",
    "allocation_rows",
    "engine_input",
    "policy_of",
    "proposal_for_user",
    "proposal_json",
    "proposal_list",
    "proposal_pending",
    "proposal_trades",
    "target_of",
    "target_weights",
]
