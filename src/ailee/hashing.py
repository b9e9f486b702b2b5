"""BIP340-style tagged hashes: ``SHA256(SHA256(tag) || SHA256(tag) || msg)``.

Consensus-critical. Every hash ailee computes goes through :func:`tagged_hash` with a
tag from :class:`Tag`, so a hash made for one purpose can never be passed off as one
made for another (a leaf as an inner node, an account leaf as a peg-in leaf).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Tag", "tagged_hash", "tagged_hasher"]


class Tag(StrEnum):
    """Every tag ailee hashes with (ASCII). Leaf tags are ``ailee/v2/leaf/<section>``.

    ``TapLeaf``, ``TapBranch`` and ``TapTweak`` are BIP341's, used exactly as it does.
    """

    NODE = "ailee/v2/node"
    SUM_NODE = "ailee/v2/sum-node"
    EMPTY = "ailee/v2/empty"
    SECTION = "ailee/v2/section"
    STATE = "ailee/v2/state"
    LEAF_ACCOUNTS = "ailee/v2/leaf/accounts"
    LEAF_PEGINS = "ailee/v2/leaf/pegins"
    LEAF_PEGOUTS = "ailee/v2/leaf/pegouts"
    LEAF_ANCHORS = "ailee/v2/leaf/anchors"
    LEAF_TASKS = "ailee/v2/leaf/tasks"
    LEAF_TELEMETRY = "ailee/v2/leaf/telemetry"
    LEAF_RECOVERY = "ailee/v2/leaf/recovery"
    LEAF_FEDERATION = "ailee/v2/leaf/federation"
    ANCHOR = "ailee/v2/anchor"
    PEGOUT_ID = "ailee/v2/pegout/id"
    PEGOUT_AUTHORIZATION = "ailee/v2/pegout/authorization"
    FEDERATION_CHANGE = "ailee/v2/federation/change"
    SCHEDULE_WORKERS = "ailee/v2/schedule/workers"
    SCHEDULE_INPUTS = "ailee/v2/schedule/inputs"
    SCHEDULE_DECISION = "ailee/v2/schedule/decision"
    FL_UPDATE = "ailee/v2/fl/update"
    FL_COMPRESSED = "ailee/v2/fl/compressed"
    FL_OUTPUT = "ailee/v2/fl/output"
    FL_ROUND = "ailee/v2/fl/round"
    TELEMETRY_SAMPLE = "ailee/v2/telemetry/sample"
    TELEMETRY_BATCH = "ailee/v2/telemetry/batch"
    ANCHOR_ATTESTATION = "ailee/v2/anchor/attestation"
    RECOVERY_PARAMS = "ailee/v2/recovery/params"
    RECOVERY_VALIDATORS = "ailee/v2/recovery/validators"
    RECOVERY_CLAIM = "ailee/v2/recovery/claim"
    RECOVERY_APPROVAL = "ailee/v2/recovery/approval"
    POLICY = "ailee/v2/policy"
    STORE_RECORD = "ailee/v2/store/record"
    NETFLOW_RECEIPT = "ailee/v2/netflow/receipt"
    NETFLOW_MESH = "ailee/v2/netflow/mesh"
    NETFLOW_REWARD = "ailee/v2/netflow/reward"
    NETFLOW_EPOCH = "ailee/v2/netflow/epoch"
    # BIP341's own tags, for Taproot anchors.
    TAP_LEAF = "TapLeaf"
    TAP_BRANCH = "TapBranch"
    TAP_TWEAK = "TapTweak"


def tagged_hash(tag: str, msg: bytes) -> bytes:
    """Return ``SHA256(SHA256(tag) || SHA256(tag) || msg)`` (32 bytes)."""
    tag_digest = hashlib.sha256(tag.encode("ascii")).digest()
    return hashlib.sha256(tag_digest + tag_digest + msg).digest()


def tagged_hasher(tag: str) -> Callable[[bytes], bytes]:
    """Return a fast function computing ``tagged_hash(tag, msg)`` for many messages.

    The 64-byte tag prefix is one SHA-256 block, so its midstate is computed once and
    copied for each message.
    """
    tag_digest = hashlib.sha256(tag.encode("ascii")).digest()
    prefix = hashlib.sha256(tag_digest + tag_digest)

    def digest(msg: bytes) -> bytes:
        ctx = prefix.copy()
        ctx.update(msg)
        return ctx.digest()

    return digest
