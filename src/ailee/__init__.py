"""ailee: verify a federated Bitcoin Layer-2 offline.

Consensus-critical modules (their bytes are specified in ``docs/spec.md``):
:mod:`ailee.encoding`, :mod:`ailee.hashing`, :mod:`ailee.fields`, :mod:`ailee.state`,
:mod:`ailee.merkle`, :mod:`ailee.stateroot`, :mod:`ailee.proofs`, :mod:`ailee.snapshot`.
Every module is pure (no I/O, no clock, no randomness, no global state) except
:mod:`ailee.store`, the snapshot store, which writes files; nothing else imports it.

Trust model: custody is federated (m of n); anchors are commitments, not exits that
Bitcoin enforces. Nothing here claims more.
"""

from ailee.encoding import decode, encode
from ailee.errors import AileeError, DecodeError, ProofError, ReasonCode, VerificationError
from ailee.proofs import StateProof, build_proof, proof_from_json, proof_to_json, verify_proof
from ailee.snapshot import (
    Snapshot,
    read_snapshot,
    snapshot_from_cbor,
    snapshot_from_json,
    snapshot_to_cbor,
    snapshot_to_json,
)
from ailee.state import (
    Account,
    Anchor,
    FederationConfig,
    Header,
    L2State,
    PegIn,
    PegOut,
    RecoveryClaim,
    Task,
    TelemetryRecord,
)
from ailee.stateroot import L2StateRoot
from ailee.verify import Report, build_report, check_snapshot, check_snapshot_bytes

__version__ = "0.1.0.dev0"

__all__ = [
    "Account",
    "AileeError",
    "Anchor",
    "DecodeError",
    "FederationConfig",
    "Header",
    "L2State",
    "L2StateRoot",
    "PegIn",
    "PegOut",
    "ProofError",
    "ReasonCode",
    "RecoveryClaim",
    "Report",
    "Snapshot",
    "StateProof",
    "Task",
    "TelemetryRecord",
    "VerificationError",
    "__version__",
    "build_proof",
    "build_report",
    "check_snapshot",
    "check_snapshot_bytes",
    "decode",
    "encode",
    "proof_from_json",
    "proof_to_json",
    "read_snapshot",
    "snapshot_from_cbor",
    "snapshot_from_json",
    "snapshot_to_cbor",
    "snapshot_to_json",
    "verify_proof",
]
