"""ailee: verify a federated Bitcoin Layer-2 offline.

Consensus-critical modules (their bytes are specified in ``docs/spec.md``):
:mod:`ailee.encoding`, :mod:`ailee.hashing`, :mod:`ailee.fields`, :mod:`ailee.state`,
:mod:`ailee.merkle`, :mod:`ailee.stateroot`, :mod:`ailee.proofs`, :mod:`ailee.snapshot`.
Every module is pure (no I/O, no clock, no randomness, no global state) except
:mod:`ailee.store`, the snapshot store, which writes files; nothing else imports it.

Trust model: custody is federated (m of n); anchors are commitments, not exits that
Bitcoin enforces. Nothing here claims more.

The names below are imported on first use (PEP 562), so ``import ailee`` and
``import ailee.errors`` stay cheap: a command line's ``--help`` or a small verification
loads only the modules it needs (``docs/assurance.md``, "Start-up").
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (read by mypy)
if TYPE_CHECKING:
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

#: The module each public name comes from (the ``TYPE_CHECKING`` block above, as data).
_HOMES = {
    "ailee.encoding": ("decode", "encode"),
    "ailee.errors": (
        "AileeError", "DecodeError", "ProofError", "ReasonCode", "VerificationError",
    ),
    "ailee.proofs": (
        "StateProof", "build_proof", "proof_from_json", "proof_to_json", "verify_proof",
    ),
    "ailee.snapshot": (
        "Snapshot", "read_snapshot", "snapshot_from_cbor", "snapshot_from_json",
        "snapshot_to_cbor", "snapshot_to_json",
    ),
    "ailee.state": (
        "Account", "Anchor", "FederationConfig", "Header", "L2State", "PegIn", "PegOut",
        "RecoveryClaim", "Task", "TelemetryRecord",
    ),
    "ailee.stateroot": ("L2StateRoot",),
    "ailee.verify": ("Report", "build_report", "check_snapshot", "check_snapshot_bytes"),
}  # fmt: skip
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


if not TYPE_CHECKING:  # mypy and IDEs read the imports above, and flag unknown names

    def __getattr__(name: str) -> object:
        """Import the module that defines public ``name`` on first use, and keep the value."""
        home = _HOME_OF.get(name)
        if home is None:
            raise AttributeError(f"module 'ailee' has no attribute {name!r}")
        value = getattr(import_module(home), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
