"""The one exception hierarchy of ailee, and the registry of stable reason codes.

Every failure the library reports carries a reason code: a short UPPER_SNAKE string
that never changes meaning once released. The CLI prints it, the golden vectors
expect it, and ``docs/reason-codes.md`` lists it. Codes are what programs should
match on; messages are for people and may change.

::

    AileeError                 base: .code (str), .message (str)
    ├── DecodeError            input is malformed, non-canonical or over a limit
    └── VerificationError      input is well-formed but a check failed
        └── ProofError         a Merkle inclusion or non-inclusion proof is false

The CLI maps ``DecodeError`` to exit code 3 and ``VerificationError`` to exit code 1.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "REASON_CODES",
    "AileeError",
    "DecodeError",
    "ProofError",
    "ReasonCode",
    "VerificationError",
]


class ReasonCode(StrEnum):
    """Every stable reason code. The value is the code string itself."""

    # --- size and nesting limits -------------------------------------------------
    INPUT_TOO_LARGE = "INPUT_TOO_LARGE"
    # --- canonical CBOR ----------------------------------------------------------
    CBOR_TRUNCATED = "CBOR_TRUNCATED"
    CBOR_NON_SHORTEST_INT = "CBOR_NON_SHORTEST_INT"
    CBOR_NON_SHORTEST_LENGTH = "CBOR_NON_SHORTEST_LENGTH"
    CBOR_INDEFINITE_LENGTH = "CBOR_INDEFINITE_LENGTH"
    CBOR_RESERVED_INFO = "CBOR_RESERVED_INFO"
    CBOR_MAP_KEY_NOT_TEXT = "CBOR_MAP_KEY_NOT_TEXT"
    CBOR_MAP_KEYS_UNSORTED = "CBOR_MAP_KEYS_UNSORTED"
    CBOR_MAP_KEY_DUPLICATE = "CBOR_MAP_KEY_DUPLICATE"
    CBOR_FLOAT = "CBOR_FLOAT"
    CBOR_TAG = "CBOR_TAG"
    CBOR_SIMPLE_VALUE = "CBOR_SIMPLE_VALUE"
    CBOR_INVALID_UTF8 = "CBOR_INVALID_UTF8"
    CBOR_TRAILING_BYTES = "CBOR_TRAILING_BYTES"
    CBOR_TOO_DEEP = "CBOR_TOO_DEEP"
    CBOR_UNSUPPORTED_VALUE = "CBOR_UNSUPPORTED_VALUE"
    # --- strict JSON -------------------------------------------------------------
    JSON_INVALID_UTF8 = "JSON_INVALID_UTF8"
    JSON_SYNTAX = "JSON_SYNTAX"
    JSON_DUPLICATE_KEY = "JSON_DUPLICATE_KEY"
    JSON_NON_FINITE = "JSON_NON_FINITE"
    JSON_FLOAT = "JSON_FLOAT"
    JSON_TOO_DEEP = "JSON_TOO_DEEP"
    JSON_INVALID_STRING = "JSON_INVALID_STRING"
    # --- document schema (shared by JSON and CBOR forms) --------------------------
    SCHEMA_MISSING_FIELD = "SCHEMA_MISSING_FIELD"
    SCHEMA_UNKNOWN_FIELD = "SCHEMA_UNKNOWN_FIELD"
    SCHEMA_WRONG_TYPE = "SCHEMA_WRONG_TYPE"
    SCHEMA_BAD_FORMAT = "SCHEMA_BAD_FORMAT"
    SCHEMA_UNSUPPORTED_VERSION = "SCHEMA_UNSUPPORTED_VERSION"
    INT_OUT_OF_RANGE = "INT_OUT_OF_RANGE"
    AMOUNT_OUT_OF_RANGE = "AMOUNT_OUT_OF_RANGE"
    HEX_INVALID = "HEX_INVALID"
    BYTES_WRONG_LENGTH = "BYTES_WRONG_LENGTH"
    ID_EMPTY = "ID_EMPTY"
    ID_TOO_LONG = "ID_TOO_LONG"
    ID_NOT_NFC = "ID_NOT_NFC"
    ID_FORBIDDEN_CHAR = "ID_FORBIDDEN_CHAR"
    ENUM_UNKNOWN_VALUE = "ENUM_UNKNOWN_VALUE"
    LIST_NOT_SORTED_UNIQUE = "LIST_NOT_SORTED_UNIQUE"
    FEDERATION_THRESHOLD_INVALID = "FEDERATION_THRESHOLD_INVALID"
    FEDERATION_POLICY_INVALID = "FEDERATION_POLICY_INVALID"
    # --- federated bridge ------------------------------------------------------------
    FEDERATION_EPOCH_ORDER = "FEDERATION_EPOCH_ORDER"
    QUORUM_SIGNER_UNKNOWN = "QUORUM_SIGNER_UNKNOWN"
    QUORUM_DUPLICATE_SIGNER = "QUORUM_DUPLICATE_SIGNER"
    QUORUM_BAD_SIGNATURE = "QUORUM_BAD_SIGNATURE"
    QUORUM_NOT_MET = "QUORUM_NOT_MET"
    PEGIN_EPOCH_UNKNOWN = "PEGIN_EPOCH_UNKNOWN"
    PEGIN_AMOUNT_OUT_OF_BOUNDS = "PEGIN_AMOUNT_OUT_OF_BOUNDS"
    PEGIN_FEE_MISMATCH = "PEGIN_FEE_MISMATCH"
    PEGIN_REMOVED = "PEGIN_REMOVED"
    PEGIN_ILLEGAL_TRANSITION = "PEGIN_ILLEGAL_TRANSITION"
    PEGOUT_ID_MISMATCH = "PEGOUT_ID_MISMATCH"
    PEGOUT_REQUEST_IN_FUTURE = "PEGOUT_REQUEST_IN_FUTURE"
    PEGOUT_DESTINATION_UNSPENDABLE = "PEGOUT_DESTINATION_UNSPENDABLE"
    PEGOUT_DUST = "PEGOUT_DUST"
    PEGOUT_FEE_OUT_OF_POLICY = "PEGOUT_FEE_OUT_OF_POLICY"
    PEGOUT_FIELDS_INCONSISTENT = "PEGOUT_FIELDS_INCONSISTENT"
    PEGOUT_ANCHOR_UNKNOWN = "PEGOUT_ANCHOR_UNKNOWN"
    PEGOUT_ANCHOR_NOT_EARLIER = "PEGOUT_ANCHOR_NOT_EARLIER"
    PEGOUT_REMOVED = "PEGOUT_REMOVED"
    PEGOUT_ILLEGAL_TRANSITION = "PEGOUT_ILLEGAL_TRANSITION"
    PEGOUT_REQUEST_SEQUENCE = "PEGOUT_REQUEST_SEQUENCE"
    PEGOUT_NONCE_INVALID = "PEGOUT_NONCE_INVALID"
    CONSERVATION_VIOLATED = "CONSERVATION_VIOLATED"
    SECTION_DUPLICATE_KEY = "SECTION_DUPLICATE_KEY"
    SECTION_UNSORTED = "SECTION_UNSORTED"
    SECTION_TOO_MANY_RECORDS = "SECTION_TOO_MANY_RECORDS"
    SECTION_UNKNOWN = "SECTION_UNKNOWN"
    KEY_INVALID = "KEY_INVALID"
    # --- snapshot verification ---------------------------------------------------
    STATE_ROOT_MISMATCH = "STATE_ROOT_MISMATCH"
    ACCOUNTS_TOTAL_OVERFLOW = "ACCOUNTS_TOTAL_OVERFLOW"
    HEADER_GENESIS_INCONSISTENT = "HEADER_GENESIS_INCONSISTENT"
    ANCHOR_SEQUENCE_NOT_PAST = "ANCHOR_SEQUENCE_NOT_PAST"
    # --- snapshot chains ---------------------------------------------------------
    CHAIN_VERSION_MISMATCH = "CHAIN_VERSION_MISMATCH"
    CHAIN_ID_MISMATCH = "CHAIN_ID_MISMATCH"
    CHAIN_SEQUENCE_GAP = "CHAIN_SEQUENCE_GAP"
    CHAIN_PREV_ROOT_MISMATCH = "CHAIN_PREV_ROOT_MISMATCH"
    CHAIN_TIMESTAMP_REGRESSION = "CHAIN_TIMESTAMP_REGRESSION"
    CHAIN_ANCHOR_ROOT_MISMATCH = "CHAIN_ANCHOR_ROOT_MISMATCH"
    CHAIN_ANCHOR_TIMESTAMP_MISMATCH = "CHAIN_ANCHOR_TIMESTAMP_MISMATCH"
    CHAIN_ANCHORS_REWRITTEN = "CHAIN_ANCHORS_REWRITTEN"
    # --- proofs ------------------------------------------------------------------
    PROOF_ROOT_MISMATCH = "PROOF_ROOT_MISMATCH"
    PROOF_INDEX_OUT_OF_RANGE = "PROOF_INDEX_OUT_OF_RANGE"
    PROOF_PATH_LENGTH = "PROOF_PATH_LENGTH"
    PROOF_KEY_MISMATCH = "PROOF_KEY_MISMATCH"
    PROOF_NOT_ADJACENT = "PROOF_NOT_ADJACENT"
    PROOF_KEY_ORDER = "PROOF_KEY_ORDER"
    PROOF_SUM_NEGATIVE = "PROOF_SUM_NEGATIVE"
    PROOF_SUM_OVERFLOW = "PROOF_SUM_OVERFLOW"
    PROOF_SUM_MISMATCH = "PROOF_SUM_MISMATCH"
    # --- bitcoin wire format --------------------------------------------------------
    BTC_TRUNCATED = "BTC_TRUNCATED"
    BTC_NON_CANONICAL_SIZE = "BTC_NON_CANONICAL_SIZE"
    BTC_SIZE_TOO_LARGE = "BTC_SIZE_TOO_LARGE"
    BTC_TRAILING_BYTES = "BTC_TRAILING_BYTES"
    BTC_HEADER_LENGTH = "BTC_HEADER_LENGTH"
    NETWORK_UNKNOWN = "NETWORK_UNKNOWN"
    CHECKPOINT_INVALID = "CHECKPOINT_INVALID"
    # --- proof of work --------------------------------------------------------------
    POW_TARGET_NEGATIVE = "POW_TARGET_NEGATIVE"
    POW_TARGET_ZERO = "POW_TARGET_ZERO"
    POW_TARGET_OVERFLOW = "POW_TARGET_OVERFLOW"
    POW_TARGET_ABOVE_LIMIT = "POW_TARGET_ABOVE_LIMIT"
    POW_INSUFFICIENT = "POW_INSUFFICIENT"
    # --- header chains --------------------------------------------------------------
    HEADERS_EMPTY = "HEADERS_EMPTY"
    HEADERS_CHECKPOINT_MISMATCH = "HEADERS_CHECKPOINT_MISMATCH"
    HEADERS_BROKEN_LINK = "HEADERS_BROKEN_LINK"
    HEADERS_BAD_DIFFICULTY = "HEADERS_BAD_DIFFICULTY"
    HEADERS_TIME_TOO_OLD = "HEADERS_TIME_TOO_OLD"
    HEADERS_TIME_TOO_NEW = "HEADERS_TIME_TOO_NEW"
    HEADERS_TIMEWARP = "HEADERS_TIMEWARP"
    HEADERS_BAD_VERSION = "HEADERS_BAD_VERSION"
    # --- merkle inclusion in bitcoin blocks -----------------------------------------
    MERKLE_ROOT_MISMATCH = "MERKLE_ROOT_MISMATCH"
    MERKLE_INDEX_OUT_OF_RANGE = "MERKLE_INDEX_OUT_OF_RANGE"
    MERKLE_BRANCH_TOO_LONG = "MERKLE_BRANCH_TOO_LONG"
    MERKLE_PHANTOM_DUPLICATE = "MERKLE_PHANTOM_DUPLICATE"
    MERKLE_INNER_NODE_IS_TX = "MERKLE_INNER_NODE_IS_TX"
    PMT_NO_TRANSACTIONS = "PMT_NO_TRANSACTIONS"
    PMT_TOO_MANY_TRANSACTIONS = "PMT_TOO_MANY_TRANSACTIONS"
    PMT_TOO_MANY_HASHES = "PMT_TOO_MANY_HASHES"
    PMT_TOO_FEW_BITS = "PMT_TOO_FEW_BITS"
    PMT_OVERRUN = "PMT_OVERRUN"
    PMT_UNUSED_DATA = "PMT_UNUSED_DATA"
    PMT_NONZERO_PADDING = "PMT_NONZERO_PADDING"
    PMT_DUPLICATE_SUBTREE = "PMT_DUPLICATE_SUBTREE"
    # --- bitcoin transactions and spv -----------------------------------------------
    TX_MALFORMED = "TX_MALFORMED"
    TX_SIZE_64 = "TX_SIZE_64"
    TX_NOT_IN_PROOF = "TX_NOT_IN_PROOF"
    TX_OUTPUT_MISSING = "TX_OUTPUT_MISSING"
    TX_OUTPUT_AMOUNT_MISMATCH = "TX_OUTPUT_AMOUNT_MISMATCH"
    TX_OUTPUT_SCRIPT_MISMATCH = "TX_OUTPUT_SCRIPT_MISMATCH"
    SPV_BLOCK_NOT_IN_CHAIN = "SPV_BLOCK_NOT_IN_CHAIN"
    SPV_TOO_FEW_CONFIRMATIONS = "SPV_TOO_FEW_CONFIRMATIONS"
    # --- anchors --------------------------------------------------------------------
    ANCHOR_COMMITMENT_MISMATCH = "ANCHOR_COMMITMENT_MISMATCH"
    ANCHOR_CHAIN_BROKEN = "ANCHOR_CHAIN_BROKEN"
    ANCHOR_NOT_OP_RETURN = "ANCHOR_NOT_OP_RETURN"
    ANCHOR_NON_MINIMAL_PUSH = "ANCHOR_NON_MINIMAL_PUSH"
    ANCHOR_BAD_MAGIC = "ANCHOR_BAD_MAGIC"
    ANCHOR_UNKNOWN_VERSION = "ANCHOR_UNKNOWN_VERSION"
    ANCHOR_BAD_LENGTH = "ANCHOR_BAD_LENGTH"
    TAPROOT_NOT_P2TR = "TAPROOT_NOT_P2TR"
    TAPROOT_INVALID_KEY = "TAPROOT_INVALID_KEY"
    TAPROOT_TWEAK_INVALID = "TAPROOT_TWEAK_INVALID"
    TAPROOT_PATH_TOO_LONG = "TAPROOT_PATH_TOO_LONG"
    TAPROOT_OUTPUT_KEY_MISMATCH = "TAPROOT_OUTPUT_KEY_MISMATCH"
    # --- anchor evidence ------------------------------------------------------------
    EVIDENCE_ANCHOR_UNKNOWN = "EVIDENCE_ANCHOR_UNKNOWN"
    EVIDENCE_NO_COMMITMENT = "EVIDENCE_NO_COMMITMENT"
    EVIDENCE_PEGIN_UNKNOWN = "EVIDENCE_PEGIN_UNKNOWN"
    EVIDENCE_PEGOUT_UNKNOWN = "EVIDENCE_PEGOUT_UNKNOWN"
    PEGIN_NOT_TO_DEPOSIT = "PEGIN_NOT_TO_DEPOSIT"
    PEGOUT_TXID_MISMATCH = "PEGOUT_TXID_MISMATCH"
    # --- scheduling ------------------------------------------------------------------
    SCHEDULE_INPUTS_MISMATCH = "SCHEDULE_INPUTS_MISMATCH"
    SCHEDULE_MISMATCH = "SCHEDULE_MISMATCH"
    SCHEDULE_NO_DECISION = "SCHEDULE_NO_DECISION"
    SCHEDULE_DECISION_MISMATCH = "SCHEDULE_DECISION_MISMATCH"
    SCHEDULE_ASSIGNMENT_MISMATCH = "SCHEDULE_ASSIGNMENT_MISMATCH"
    # --- federated learning ----------------------------------------------------------
    FL_BAD_TENSOR = "FL_BAD_TENSOR"
    FL_NON_FINITE = "FL_NON_FINITE"
    FL_SHAPE_MISMATCH = "FL_SHAPE_MISMATCH"
    FL_PARAMETER_INVALID = "FL_PARAMETER_INVALID"
    FL_ROUND_INPUTS_MISMATCH = "FL_ROUND_INPUTS_MISMATCH"
    FL_ROUND_MISMATCH = "FL_ROUND_MISMATCH"
    FL_ROUND_NOT_COMMITTED = "FL_ROUND_NOT_COMMITTED"
    DP_PARAMETER_INVALID = "DP_PARAMETER_INVALID"
    # --- telemetry -----------------------------------------------------------------
    TELEMETRY_UNSIGNED = "TELEMETRY_UNSIGNED"
    TELEMETRY_BAD_SIGNATURE = "TELEMETRY_BAD_SIGNATURE"
    TELEMETRY_CHAIN_BROKEN = "TELEMETRY_CHAIN_BROKEN"
    TELEMETRY_SEQUENCE_GAP = "TELEMETRY_SEQUENCE_GAP"
    TELEMETRY_NODE_MISMATCH = "TELEMETRY_NODE_MISMATCH"
    TELEMETRY_NO_RECORD = "TELEMETRY_NO_RECORD"
    TELEMETRY_DIGEST_MISMATCH = "TELEMETRY_DIGEST_MISMATCH"
    TELEMETRY_OUT_OF_WINDOW = "TELEMETRY_OUT_OF_WINDOW"
    # --- recovery claims -------------------------------------------------------------
    CLAIM_NO_VALIDATORS = "CLAIM_NO_VALIDATORS"
    CLAIM_VALIDATOR_INVALID = "CLAIM_VALIDATOR_INVALID"
    CLAIM_FEDERATION_MISMATCH = "CLAIM_FEDERATION_MISMATCH"
    CLAIM_PROOF_MISMATCH = "CLAIM_PROOF_MISMATCH"
    CLAIM_PARAMS_MISMATCH = "CLAIM_PARAMS_MISMATCH"
    CLAIM_AMOUNT_ZERO = "CLAIM_AMOUNT_ZERO"
    CLAIM_DESTINATION_INVALID = "CLAIM_DESTINATION_INVALID"
    CLAIM_DISPUTE_INVALID = "CLAIM_DISPUTE_INVALID"
    CLAIM_UNKNOWN = "CLAIM_UNKNOWN"
    CLAIM_ILLEGAL_TRANSITION = "CLAIM_ILLEGAL_TRANSITION"
    CLAIM_HEIGHT_REGRESSION = "CLAIM_HEIGHT_REGRESSION"
    CLAIM_HEIGHT_BEYOND_EVIDENCE = "CLAIM_HEIGHT_BEYOND_EVIDENCE"
    CLAIM_DUPLICATE = "CLAIM_DUPLICATE"
    CLAIM_DOUBLE = "CLAIM_DOUBLE"
    CLAIM_EXCEEDS_TOTAL = "CLAIM_EXCEEDS_TOTAL"
    CLAIM_WINDOW_CLOSED = "CLAIM_WINDOW_CLOSED"
    CLAIM_WINDOW_OPEN = "CLAIM_WINDOW_OPEN"
    # --- circuit breakers ------------------------------------------------------------
    BREAKER_POLICY_INVALID = "BREAKER_POLICY_INVALID"
    BREAKER_STATUS_INVALID = "BREAKER_STATUS_INVALID"
    BREAKER_HEIGHT_REGRESSION = "BREAKER_HEIGHT_REGRESSION"
    BREAKER_PEGINS_HALTED = "BREAKER_PEGINS_HALTED"
    BREAKER_EMERGENCY = "BREAKER_EMERGENCY"
    BREAKER_RATE_LIMITED = "BREAKER_RATE_LIMITED"
    # --- policy configuration --------------------------------------------------------
    POLICY_SYNTAX = "POLICY_SYNTAX"
    POLICY_YAML_FEATURE = "POLICY_YAML_FEATURE"
    POLICY_TOO_DEEP = "POLICY_TOO_DEEP"
    POLICY_DUPLICATE_KEY = "POLICY_DUPLICATE_KEY"
    POLICY_UNKNOWN_KEY = "POLICY_UNKNOWN_KEY"
    POLICY_MISSING_KEY = "POLICY_MISSING_KEY"
    POLICY_WRONG_TYPE = "POLICY_WRONG_TYPE"
    POLICY_OUT_OF_RANGE = "POLICY_OUT_OF_RANGE"
    POLICY_BAD_VALUE = "POLICY_BAD_VALUE"
    POLICY_DUPLICATE_NAME = "POLICY_DUPLICATE_NAME"
    POLICY_INCONSISTENT = "POLICY_INCONSISTENT"
    POLICY_EXPRESSION = "POLICY_EXPRESSION"
    POLICY_UNKNOWN_REFERENCE = "POLICY_UNKNOWN_REFERENCE"
    POLICY_HASH_MISMATCH = "POLICY_HASH_MISMATCH"
    # --- snapshot store --------------------------------------------------------------
    STORE_NOT_FOUND = "STORE_NOT_FOUND"
    STORE_BAD_MAGIC = "STORE_BAD_MAGIC"
    STORE_UNSUPPORTED_VERSION = "STORE_UNSUPPORTED_VERSION"
    STORE_LENGTH_CORRUPT = "STORE_LENGTH_CORRUPT"
    STORE_RECORD_TOO_LARGE = "STORE_RECORD_TOO_LARGE"
    STORE_CHECKSUM_MISMATCH = "STORE_CHECKSUM_MISMATCH"
    STORE_TORN_TAIL = "STORE_TORN_TAIL"
    STORE_NOT_CHAINED = "STORE_NOT_CHAINED"
    STORE_LOCKED = "STORE_LOCKED"
    STORE_SEQUENCE_UNKNOWN = "STORE_SEQUENCE_UNKNOWN"
    STORE_IO_ERROR = "STORE_IO_ERROR"
    # --- legacy SNAPSHOT v1 files ----------------------------------------------------
    LEGACY_EMPTY = "LEGACY_EMPTY"
    LEGACY_NOT_UTF8 = "LEGACY_NOT_UTF8"
    LEGACY_LINE_ENDING = "LEGACY_LINE_ENDING"
    LEGACY_LINE_TOO_LONG = "LEGACY_LINE_TOO_LONG"
    LEGACY_SYNTAX = "LEGACY_SYNTAX"
    LEGACY_BAD_QUOTE = "LEGACY_BAD_QUOTE"
    LEGACY_NUMBER = "LEGACY_NUMBER"
    LEGACY_COUNT_MISMATCH = "LEGACY_COUNT_MISMATCH"
    LEGACY_UNTERMINATED_BLOCK = "LEGACY_UNTERMINATED_BLOCK"
    LEGACY_ANCHOR_ROOT_MISMATCH = "LEGACY_ANCHOR_ROOT_MISMATCH"
    LEGACY_ANCHOR_HASH_MISMATCH = "LEGACY_ANCHOR_HASH_MISMATCH"
    LEGACY_ANCHOR_PAYLOAD_MISMATCH = "LEGACY_ANCHOR_PAYLOAD_MISMATCH"
    LEGACY_NOT_CONVERTIBLE = "LEGACY_NOT_CONVERTIBLE"
    # --- netflow relay accounting ----------------------------------------------------
    NETFLOW_UNKNOWN_RELAY = "NETFLOW_UNKNOWN_RELAY"
    NETFLOW_KIND_UNSUPPORTED = "NETFLOW_KIND_UNSUPPORTED"
    NETFLOW_UNKNOWN_TUNNEL = "NETFLOW_UNKNOWN_TUNNEL"
    NETFLOW_INTERVAL_INVALID = "NETFLOW_INTERVAL_INVALID"
    NETFLOW_OUT_OF_EPOCH = "NETFLOW_OUT_OF_EPOCH"
    NETFLOW_UNSIGNED = "NETFLOW_UNSIGNED"
    NETFLOW_BAD_SIGNATURE = "NETFLOW_BAD_SIGNATURE"
    NETFLOW_OVER_CAPACITY = "NETFLOW_OVER_CAPACITY"
    NETFLOW_DUPLICATE_RECEIPT = "NETFLOW_DUPLICATE_RECEIPT"
    NETFLOW_INTERVAL_OVERLAP = "NETFLOW_INTERVAL_OVERLAP"
    NETFLOW_COMMITMENT_MISMATCH = "NETFLOW_COMMITMENT_MISMATCH"
    # --- command line and vector runner ------------------------------------------
    USAGE = "USAGE"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    VECTOR_CASE_FAILED = "VECTOR_CASE_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


#: One line per code: what it means. ``docs/reason-codes.md`` is checked against this.
REASON_CODES: Final[dict[ReasonCode, str]] = {
    ReasonCode.INPUT_TOO_LARGE: "Input is larger than the documented limit for its kind.",
    ReasonCode.CBOR_TRUNCATED: "CBOR data ends before the item it started is complete.",
    ReasonCode.CBOR_NON_SHORTEST_INT: "A CBOR integer is not encoded in its shortest form.",
    ReasonCode.CBOR_NON_SHORTEST_LENGTH: (
        "A CBOR string, array or map length is not encoded in its shortest form."
    ),
    ReasonCode.CBOR_INDEFINITE_LENGTH: "A CBOR item uses indefinite-length encoding.",
    ReasonCode.CBOR_RESERVED_INFO: "A CBOR head uses reserved additional information 28-30.",
    ReasonCode.CBOR_MAP_KEY_NOT_TEXT: "A CBOR map key is not a text string.",
    ReasonCode.CBOR_MAP_KEYS_UNSORTED: (
        "CBOR map keys are not in bytewise order of their encodings (RFC 8949 4.2.1)."
    ),
    ReasonCode.CBOR_MAP_KEY_DUPLICATE: "A CBOR map has the same key twice.",
    ReasonCode.CBOR_FLOAT: "CBOR floating-point values are not allowed.",
    ReasonCode.CBOR_TAG: "CBOR tags are not allowed.",
    ReasonCode.CBOR_SIMPLE_VALUE: "A CBOR simple value other than false, true or null.",
    ReasonCode.CBOR_INVALID_UTF8: "A CBOR text string is not valid UTF-8.",
    ReasonCode.CBOR_TRAILING_BYTES: "Bytes follow the single top-level CBOR item.",
    ReasonCode.CBOR_TOO_DEEP: "CBOR arrays and maps are nested deeper than the limit.",
    ReasonCode.CBOR_UNSUPPORTED_VALUE: (
        "A value cannot be encoded: not None, bool, int in [-2^64, 2^64-1], bytes, str, "
        "list, or dict with str keys."
    ),
    ReasonCode.JSON_INVALID_UTF8: "JSON input is not valid UTF-8 (or starts with a BOM).",
    ReasonCode.JSON_SYNTAX: "JSON input is not syntactically valid JSON.",
    ReasonCode.JSON_DUPLICATE_KEY: "A JSON object has the same key twice.",
    ReasonCode.JSON_NON_FINITE: "JSON contains NaN, Infinity or -Infinity.",
    ReasonCode.JSON_FLOAT: "JSON contains a number with a fraction or exponent.",
    ReasonCode.JSON_TOO_DEEP: "JSON arrays and objects are nested deeper than the limit.",
    ReasonCode.JSON_INVALID_STRING: "A JSON string contains an unpaired surrogate escape.",
    ReasonCode.SCHEMA_MISSING_FIELD: "A required field is missing.",
    ReasonCode.SCHEMA_UNKNOWN_FIELD: "A field that the schema does not define is present.",
    ReasonCode.SCHEMA_WRONG_TYPE: (
        "A value has the wrong type (e.g. a number where a string belongs or the reverse)."
    ),
    ReasonCode.SCHEMA_BAD_FORMAT: "The document's format marker is not the expected one.",
    ReasonCode.SCHEMA_UNSUPPORTED_VERSION: "The document's format version is not supported.",
    ReasonCode.INT_OUT_OF_RANGE: "An integer is outside the range its field allows.",
    ReasonCode.AMOUNT_OUT_OF_RANGE: "An amount is outside [0, 2_100_000_000_000_000] satoshis.",
    ReasonCode.HEX_INVALID: "A byte string is not lowercase hexadecimal of even length.",
    ReasonCode.BYTES_WRONG_LENGTH: "A byte string does not have the length its field requires.",
    ReasonCode.ID_EMPTY: "An identifier is empty.",
    ReasonCode.ID_TOO_LONG: "An identifier is longer than 64 bytes of UTF-8.",
    ReasonCode.ID_NOT_NFC: "An identifier is not in Unicode Normalization Form C.",
    ReasonCode.ID_FORBIDDEN_CHAR: (
        "An identifier contains a control, format, surrogate, private-use, line or paragraph "
        "separator, or unassigned (in Unicode 3.2) code point."
    ),
    ReasonCode.ENUM_UNKNOWN_VALUE: "A status or kind field has a value outside its fixed set.",
    ReasonCode.LIST_NOT_SORTED_UNIQUE: "A list that must be strictly ascending is not.",
    ReasonCode.FEDERATION_THRESHOLD_INVALID: (
        "A federation threshold m is not in 1 <= m <= n (n = number of signers)."
    ),
    ReasonCode.FEDERATION_POLICY_INVALID: (
        "A federation policy has a minimum above its maximum (peg-in amount or peg-out fee)."
    ),
    ReasonCode.FEDERATION_EPOCH_ORDER: (
        "Federation epochs are not 0, 1, 2, ... in force from strictly increasing "
        "sequences (epoch 0 from 0, unsigned)."
    ),
    ReasonCode.QUORUM_SIGNER_UNKNOWN: (
        "An authorization is signed by a key that is not a signer of the federation in force."
    ),
    ReasonCode.QUORUM_DUPLICATE_SIGNER: ("An authorization carries one signer twice."),
    ReasonCode.QUORUM_BAD_SIGNATURE: ("An authorization signature does not verify (BIP340)."),
    ReasonCode.QUORUM_NOT_MET: (
        "An authorization carries fewer signatures than the federation's threshold."
    ),
    ReasonCode.PEGIN_EPOCH_UNKNOWN: ("A peg-in names a federation epoch the state does not hold."),
    ReasonCode.PEGIN_AMOUNT_OUT_OF_BOUNDS: (
        "A peg-in amount is outside its federation epoch's bounds."
    ),
    ReasonCode.PEGIN_FEE_MISMATCH: (
        "A peg-in fee is not its federation epoch's fee policy for its amount."
    ),
    ReasonCode.PEGIN_REMOVED: (
        "A peg-in of the previous snapshot is missing (a deposit could be credited twice)."
    ),
    ReasonCode.PEGIN_ILLEGAL_TRANSITION: (
        "A peg-in changed, or its status moved backward, between consecutive snapshots."
    ),
    ReasonCode.PEGOUT_ID_MISMATCH: ("A peg-out id is not the hash of its request."),
    ReasonCode.PEGOUT_REQUEST_IN_FUTURE: (
        "A peg-out is requested at a sequence after the snapshot's."
    ),
    ReasonCode.PEGOUT_DESTINATION_UNSPENDABLE: ("A peg-out pays an OP_RETURN or oversized script."),
    ReasonCode.PEGOUT_DUST: ("A peg-out amount is below the dust limit of its destination script."),
    ReasonCode.PEGOUT_FEE_OUT_OF_POLICY: (
        "A peg-out fee is outside the policy of the federation in force at its request."
    ),
    ReasonCode.PEGOUT_FIELDS_INCONSISTENT: (
        "A peg-out's anchor, signatures, txid or reason do not fit its status."
    ),
    ReasonCode.PEGOUT_ANCHOR_UNKNOWN: (
        "A peg-out authorization names an anchor commitment the anchors section lacks."
    ),
    ReasonCode.PEGOUT_ANCHOR_NOT_EARLIER: (
        "A peg-out authorization names an anchor not earlier than the peg-out's request."
    ),
    ReasonCode.PEGOUT_REMOVED: ("A peg-out of the previous snapshot is missing."),
    ReasonCode.PEGOUT_ILLEGAL_TRANSITION: (
        "A peg-out's status moved outside the state machine, or its request or "
        "authorization changed."
    ),
    ReasonCode.PEGOUT_REQUEST_SEQUENCE: (
        "A peg-out new in a snapshot is not requested at that snapshot's sequence."
    ),
    ReasonCode.PEGOUT_NONCE_INVALID: (
        "A new peg-out's nonce was already used by its source, or not consumed by the step."
    ),
    ReasonCode.CONSERVATION_VIOLATED: (
        "Balances plus peg-outs in flight or done do not equal the credits of minted peg-ins."
    ),
    ReasonCode.SECTION_DUPLICATE_KEY: "Two records of one section have the same key.",
    ReasonCode.SECTION_UNSORTED: (
        "Records of a section in canonical CBOR form are not in ascending key order."
    ),
    ReasonCode.SECTION_TOO_MANY_RECORDS: "A section has more records than the limit.",
    ReasonCode.SECTION_UNKNOWN: "A section name is not one of the eight defined sections.",
    ReasonCode.KEY_INVALID: "A record key given as text cannot be parsed for its section.",
    ReasonCode.STATE_ROOT_MISMATCH: "The recomputed L2StateRoot differs from the claimed one.",
    ReasonCode.ACCOUNTS_TOTAL_OVERFLOW: (
        "The sum of all account balances exceeds 2_100_000_000_000_000 satoshis."
    ),
    ReasonCode.HEADER_GENESIS_INCONSISTENT: (
        "Sequence 0 must have an all-zero previous root, and only sequence 0 may."
    ),
    ReasonCode.ANCHOR_SEQUENCE_NOT_PAST: (
        "An anchor record names a sequence not earlier than the snapshot's own."
    ),
    ReasonCode.CHAIN_VERSION_MISMATCH: "Consecutive snapshots have different format versions.",
    ReasonCode.CHAIN_ID_MISMATCH: "Consecutive snapshots name different chain ids.",
    ReasonCode.CHAIN_SEQUENCE_GAP: "A snapshot's sequence is not its predecessor's plus one.",
    ReasonCode.CHAIN_PREV_ROOT_MISMATCH: (
        "A snapshot's prev_state_root is not its predecessor's recomputed root."
    ),
    ReasonCode.CHAIN_TIMESTAMP_REGRESSION: "A snapshot's timestamp is before its predecessor's.",
    ReasonCode.CHAIN_ANCHOR_ROOT_MISMATCH: (
        "An anchor record's state_root differs from the recomputed root of the snapshot "
        "with that sequence in the same chain."
    ),
    ReasonCode.CHAIN_ANCHOR_TIMESTAMP_MISMATCH: (
        "An anchor record's timestamp_ms differs from the timestamp of the snapshot with "
        "that sequence in the same chain."
    ),
    ReasonCode.CHAIN_ANCHORS_REWRITTEN: (
        "A snapshot's anchors section does not keep every anchor of its predecessor "
        "unchanged (anchors are append-only)."
    ),
    ReasonCode.PROOF_ROOT_MISMATCH: "The proof does not recompute to the expected root.",
    ReasonCode.PROOF_INDEX_OUT_OF_RANGE: "A proof's leaf index is not below its tree size.",
    ReasonCode.PROOF_PATH_LENGTH: (
        "A proof's path does not have the length its index and tree size require."
    ),
    ReasonCode.PROOF_KEY_MISMATCH: "An inclusion proof's record does not have the claimed key.",
    ReasonCode.PROOF_NOT_ADJACENT: (
        "A non-inclusion proof's neighbours are not adjacent, or not at the tree's edge."
    ),
    ReasonCode.PROOF_KEY_ORDER: (
        "A non-inclusion proof's key is not strictly between its neighbours' keys."
    ),
    ReasonCode.PROOF_SUM_NEGATIVE: "A Merkle-sum proof carries a negative sum.",
    ReasonCode.PROOF_SUM_OVERFLOW: (
        "A Merkle-sum proof's sums exceed 2_100_000_000_000_000 satoshis."
    ),
    ReasonCode.PROOF_SUM_MISMATCH: (
        "A Merkle-sum proof's stated section total differs from the total it proves."
    ),
    ReasonCode.BTC_TRUNCATED: "Bitcoin wire data ends before the structure it started is complete.",
    ReasonCode.BTC_NON_CANONICAL_SIZE: "A CompactSize integer is not in its shortest encoding.",
    ReasonCode.BTC_SIZE_TOO_LARGE: "A CompactSize count or length exceeds its maximum.",
    ReasonCode.BTC_TRAILING_BYTES: (
        "Bytes follow the end of a Bitcoin structure (header, proof, transaction)."
    ),
    ReasonCode.BTC_HEADER_LENGTH: (
        "A block header is not 80 bytes, or a headers file is not whole headers."
    ),
    ReasonCode.NETWORK_UNKNOWN: (
        "The network name is not mainnet, testnet3, testnet4, signet or regtest."
    ),
    ReasonCode.CHECKPOINT_INVALID: (
        "A checkpoint is not HEIGHT:HASH with a decimal height and 64 hex digits."
    ),
    ReasonCode.POW_TARGET_NEGATIVE: "nBits has the sign bit set with a non-zero mantissa.",
    ReasonCode.POW_TARGET_ZERO: "nBits decodes to a zero target.",
    ReasonCode.POW_TARGET_OVERFLOW: "nBits decodes to a target that does not fit in 256 bits.",
    ReasonCode.POW_TARGET_ABOVE_LIMIT: (
        "nBits decodes to a target easier than the network's proof-of-work limit."
    ),
    ReasonCode.POW_INSUFFICIENT: "A block hash is above the target its nBits sets.",
    ReasonCode.HEADERS_EMPTY: "No headers (or no header chains) were given.",
    ReasonCode.HEADERS_CHECKPOINT_MISMATCH: (
        "Headers do not start at the checkpoint (or genesis) or its successor, or competing "
        "chains start from different bases."
    ),
    ReasonCode.HEADERS_BROKEN_LINK: (
        "A header's previous-block hash is not the hash of the header before it."
    ),
    ReasonCode.HEADERS_BAD_DIFFICULTY: "A header's nBits is not what the difficulty rules require.",
    ReasonCode.HEADERS_TIME_TOO_OLD: (
        "A header's time is not above the median time of the previous 11 headers."
    ),
    ReasonCode.HEADERS_TIME_TOO_NEW: (
        "A header's time is more than two hours after the given current time."
    ),
    ReasonCode.HEADERS_TIMEWARP: (
        "testnet4 (BIP94): a period's first header is over 600 s older than its parent."
    ),
    ReasonCode.HEADERS_BAD_VERSION: (
        "A header's version is below the minimum BIP34/66/65 require at its height."
    ),
    ReasonCode.MERKLE_ROOT_MISMATCH: (
        "A Merkle proof does not lead to the block header's Merkle root."
    ),
    ReasonCode.MERKLE_INDEX_OUT_OF_RANGE: (
        "A transaction position does not fit the branch length or the block's transaction count."
    ),
    ReasonCode.MERKLE_BRANCH_TOO_LONG: "A Merkle branch is longer than any block can need.",
    ReasonCode.MERKLE_PHANTOM_DUPLICATE: (
        "A right-hand node equals its left sibling: a position made up by duplication "
        "(CVE-2012-2459)."
    ),
    ReasonCode.MERKLE_INNER_NODE_IS_TX: (
        "Two sibling nodes of a proof read as a 64-byte transaction (CVE-2017-12842)."
    ),
    ReasonCode.PMT_NO_TRANSACTIONS: "A partial Merkle tree claims a block with no transactions.",
    ReasonCode.PMT_TOO_MANY_TRANSACTIONS: (
        "A partial Merkle tree claims more transactions than a block can hold."
    ),
    ReasonCode.PMT_TOO_MANY_HASHES: "A partial Merkle tree has more hashes than transactions.",
    ReasonCode.PMT_TOO_FEW_BITS: "A partial Merkle tree has fewer flag bits than hashes.",
    ReasonCode.PMT_OVERRUN: (
        "Walking a partial Merkle tree needs more hashes or flag bits than it has."
    ),
    ReasonCode.PMT_UNUSED_DATA: (
        "A partial Merkle tree has hashes or flag bytes that the tree does not use."
    ),
    ReasonCode.PMT_NONZERO_PADDING: (
        "The unused bits of a partial Merkle tree's last flag byte are not zero."
    ),
    ReasonCode.PMT_DUPLICATE_SUBTREE: (
        "A partial Merkle tree has two identical sibling subtrees (CVE-2012-2459)."
    ),
    ReasonCode.TX_MALFORMED: "A raw transaction does not parse (or has trailing bytes).",
    ReasonCode.TX_SIZE_64: (
        "A transaction is 64 bytes without witness: it could pose as a Merkle inner node."
    ),
    ReasonCode.TX_NOT_IN_PROOF: "The proof does not prove the transaction asked about.",
    ReasonCode.TX_OUTPUT_MISSING: "The transaction has no output with the given index.",
    ReasonCode.TX_OUTPUT_AMOUNT_MISMATCH: "A transaction output's amount is not the expected one.",
    ReasonCode.TX_OUTPUT_SCRIPT_MISMATCH: (
        "A transaction output's scriptPubKey is not the expected one."
    ),
    ReasonCode.SPV_BLOCK_NOT_IN_CHAIN: (
        "The block of the proof is not in the most-work header chain."
    ),
    ReasonCode.SPV_TOO_FEW_CONFIRMATIONS: "The block has fewer confirmations than required.",
    ReasonCode.ANCHOR_COMMITMENT_MISMATCH: (
        "An anchor record's commitment is not the hash of its fields."
    ),
    ReasonCode.ANCHOR_CHAIN_BROKEN: (
        "An anchor's previous commitment is not the commitment of the anchor before it."
    ),
    ReasonCode.ANCHOR_NOT_OP_RETURN: (
        "A script is not a single OP_RETURN followed by one data push."
    ),
    ReasonCode.ANCHOR_NON_MINIMAL_PUSH: "An OP_RETURN anchor's data push is not minimally encoded.",
    ReasonCode.ANCHOR_BAD_MAGIC: "An OP_RETURN payload does not start with the ailee anchor magic.",
    ReasonCode.ANCHOR_UNKNOWN_VERSION: (
        "An OP_RETURN anchor has an anchor version this library does not know."
    ),
    ReasonCode.ANCHOR_BAD_LENGTH: (
        "An OP_RETURN anchor payload has the wrong length for its version."
    ),
    ReasonCode.TAPROOT_NOT_P2TR: (
        "A scriptPubKey is not a P2TR output (OP_1 followed by a 32-byte push)."
    ),
    ReasonCode.TAPROOT_INVALID_KEY: "An x-only public key is not on the secp256k1 curve.",
    ReasonCode.TAPROOT_TWEAK_INVALID: (
        "A TapTweak is not below the curve order, or tweaking gives the point at infinity."
    ),
    ReasonCode.TAPROOT_PATH_TOO_LONG: "A Taproot Merkle path has more than 128 nodes.",
    ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH: (
        "The output key recomputed from internal key, leaf and path is not the P2TR key."
    ),
    ReasonCode.EVIDENCE_ANCHOR_UNKNOWN: (
        "Evidence names an anchor sequence that the snapshot's anchors section does not hold."
    ),
    ReasonCode.EVIDENCE_NO_COMMITMENT: (
        "The anchoring transaction has no output committing to the anchor."
    ),
    ReasonCode.EVIDENCE_PEGIN_UNKNOWN: (
        "Peg-in evidence names an outpoint the snapshot's pegins section lacks."
    ),
    ReasonCode.EVIDENCE_PEGOUT_UNKNOWN: (
        "Peg-out evidence names a peg-out the snapshot does not hold as confirmed."
    ),
    ReasonCode.PEGIN_NOT_TO_DEPOSIT: (
        "A deposit output does not pay one of its federation epoch's deposit scripts."
    ),
    ReasonCode.PEGOUT_TXID_MISMATCH: (
        "Peg-out evidence is another transaction than the one the peg-out names."
    ),
    ReasonCode.SCHEDULE_INPUTS_MISMATCH: (
        "The inputs given for a scheduling decision are not the ones its record commits to."
    ),
    ReasonCode.SCHEDULE_MISMATCH: (
        "Recomputing a scheduling decision from its committed inputs gives another decision."
    ),
    ReasonCode.SCHEDULE_NO_DECISION: (
        "A snapshot carries inputs for a task that has no decision in the state."
    ),
    ReasonCode.SCHEDULE_DECISION_MISMATCH: (
        "A carried decision record is not the one its task record's decision hash commits to."
    ),
    ReasonCode.SCHEDULE_ASSIGNMENT_MISMATCH: (
        "A task record's assigned worker is not the worker its decision chose."
    ),
    ReasonCode.FL_BAD_TENSOR: "A tensor is not a numpy array of one of the supported dtypes.",
    ReasonCode.FL_NON_FINITE: "A floating-point tensor holds NaN or infinity.",
    ReasonCode.FL_SHAPE_MISMATCH: (
        "Updates to aggregate differ in tensor names, dtypes or shapes."
    ),
    ReasonCode.FL_PARAMETER_INVALID: (
        "An aggregation parameter is outside its valid range (e.g. Krum needs n > 2f + 2)."
    ),
    ReasonCode.FL_ROUND_INPUTS_MISMATCH: (
        "The updates given for a round record are not the ones it commits to."
    ),
    ReasonCode.FL_ROUND_MISMATCH: "Recomputing a round record from its updates gives another.",
    ReasonCode.FL_ROUND_NOT_COMMITTED: (
        "A snapshot carries a round record that no task record's result commits to."
    ),
    ReasonCode.DP_PARAMETER_INVALID: (
        "A privacy-accounting parameter is out of range (q, sigma, order, delta, steps)."
    ),
    ReasonCode.TELEMETRY_UNSIGNED: "A telemetry sample carries no signature.",
    ReasonCode.TELEMETRY_BAD_SIGNATURE: (
        "A telemetry sample's BIP340 signature does not verify under the node's key."
    ),
    ReasonCode.TELEMETRY_CHAIN_BROKEN: (
        "A telemetry sample does not name the hash of the node's previous sample "
        "(one is missing, reordered or altered)."
    ),
    ReasonCode.TELEMETRY_SEQUENCE_GAP: "Telemetry sample sequence numbers are not consecutive.",
    ReasonCode.TELEMETRY_NODE_MISMATCH: "A telemetry chain holds another node's sample.",
    ReasonCode.TELEMETRY_NO_RECORD: (
        "A snapshot carries telemetry samples for a record the telemetry section lacks."
    ),
    ReasonCode.TELEMETRY_DIGEST_MISMATCH: (
        "Carried telemetry samples and key do not give the telemetry record's digest."
    ),
    ReasonCode.TELEMETRY_OUT_OF_WINDOW: (
        "A carried telemetry sample's timestamp is outside its record's window."
    ),
    # recovery claims
    ReasonCode.CLAIM_NO_VALIDATORS: (
        "The recovery validator set is empty, so no claim can ever be approved."
    ),
    ReasonCode.CLAIM_VALIDATOR_INVALID: (
        "A recovery validator key is not a BIP340 public key (no point on the curve)."
    ),
    ReasonCode.CLAIM_FEDERATION_MISMATCH: (
        "A claim's federation epoch 0 is not the pinned root of trust."
    ),
    ReasonCode.CLAIM_PROOF_MISMATCH: (
        "A claim's proof is not an accounts inclusion proof of the anchor's chain and sequence."
    ),
    ReasonCode.CLAIM_PARAMS_MISMATCH: (
        "A claim's recovery parameters do not hash to its anchor's recovery metadata."
    ),
    ReasonCode.CLAIM_AMOUNT_ZERO: "The claimed account holds nothing in the anchored state.",
    ReasonCode.CLAIM_DESTINATION_INVALID: (
        "A claim's destination is unspendable, or the amount is dust for it."
    ),
    ReasonCode.CLAIM_DISPUTE_INVALID: (
        "A dispute does not show another balance or an earlier claim of the account."
    ),
    ReasonCode.CLAIM_UNKNOWN: "No claim with this id is in the claim book.",
    ReasonCode.CLAIM_ILLEGAL_TRANSITION: "The claim's status does not allow this step.",
    ReasonCode.CLAIM_HEIGHT_REGRESSION: "A claim event's height is below the previous event's.",
    ReasonCode.CLAIM_HEIGHT_BEYOND_EVIDENCE: (
        "A claim event's height is above the tip of the Bitcoin evidence."
    ),
    ReasonCode.CLAIM_DUPLICATE: "A claim with this id is already in the claim book.",
    ReasonCode.CLAIM_DOUBLE: "The account already has a live claim.",
    ReasonCode.CLAIM_EXCEEDS_TOTAL: (
        "Claims against one anchored state would total more than its proven total."
    ),
    ReasonCode.CLAIM_WINDOW_CLOSED: "A dispute came after the claim's challenge window closed.",
    ReasonCode.CLAIM_WINDOW_OPEN: "An approval came before the claim's challenge window ended.",
    # circuit breakers
    ReasonCode.BREAKER_POLICY_INVALID: (
        "A breaker policy field is not an integer in its range, or two fields disagree."
    ),
    ReasonCode.BREAKER_STATUS_INVALID: (
        "A breaker status is inconsistent (its fields cannot come from any run of samples)."
    ),
    ReasonCode.BREAKER_HEIGHT_REGRESSION: (
        "A breaker sample's Bitcoin height is below the height of the status it steps."
    ),
    ReasonCode.BREAKER_PEGINS_HALTED: (
        "Peg-ins are halted: collateral below the policy, or SPV failures above it."
    ),
    ReasonCode.BREAKER_EMERGENCY: (
        "The bridge is in emergency (fewer active signers than the threshold): only exit "
        "claims may peg out, and nothing may peg in."
    ),
    ReasonCode.BREAKER_RATE_LIMITED: (
        "A peg-out would take the window's peg-out volume above the policy's limit."
    ),
    # policy configuration
    ReasonCode.POLICY_SYNTAX: (
        "A policy file does not parse in its format (JSON, TOML or YAML), or is not UTF-8."
    ),
    ReasonCode.POLICY_YAML_FEATURE: (
        "A YAML policy uses a feature outside the accepted subset (anchor, alias, merge key, "
        "tag, YAML 1.1 boolean, non-decimal integer, timestamp)."
    ),
    ReasonCode.POLICY_TOO_DEEP: "A policy file nests mappings and lists deeper than the limit.",
    ReasonCode.POLICY_DUPLICATE_KEY: "A mapping of a policy file has the same key twice.",
    ReasonCode.POLICY_UNKNOWN_KEY: (
        "A policy file has a key that is not part of its section's schema."
    ),
    ReasonCode.POLICY_MISSING_KEY: "A required key of a policy file is missing.",
    ReasonCode.POLICY_WRONG_TYPE: (
        "A policy field has the wrong type (a boolean where a number is expected, ...)."
    ),
    ReasonCode.POLICY_OUT_OF_RANGE: (
        "A policy number, ratio or list length is outside its documented range."
    ),
    ReasonCode.POLICY_BAD_VALUE: (
        "A policy value is malformed: an unknown name for an enumeration, a bad identifier, "
        "a ratio finer than 1 ppm, a non-finite number."
    ),
    ReasonCode.POLICY_DUPLICATE_NAME: (
        "Two signals, metrics, policies, pipelines or outputs of a policy have one name."
    ),
    ReasonCode.POLICY_INCONSISTENT: (
        "Policy fields contradict each other (a minimum above its maximum, a window below step_ms)."
    ),
    ReasonCode.POLICY_EXPRESSION: (
        "A policy condition does not parse or is ill-typed (the error gives the column)."
    ),
    ReasonCode.POLICY_UNKNOWN_REFERENCE: (
        "A policy condition, metric, pipeline or output names a signal, metric or policy "
        "that is not declared."
    ),
    ReasonCode.POLICY_HASH_MISMATCH: (
        "The hash of a policy is not the policy hash a snapshot records."
    ),
    # snapshot store
    ReasonCode.STORE_NOT_FOUND: "A snapshot store directory or its data file does not exist.",
    ReasonCode.STORE_BAD_MAGIC: (
        "A snapshot store data file does not start with the store magic bytes."
    ),
    ReasonCode.STORE_UNSUPPORTED_VERSION: (
        "A snapshot store data file has a format version this library does not know."
    ),
    ReasonCode.STORE_LENGTH_CORRUPT: (
        "A store record's length and its complement disagree (the record header is damaged)."
    ),
    ReasonCode.STORE_RECORD_TOO_LARGE: (
        "A store record declares a payload longer than the document size limit."
    ),
    ReasonCode.STORE_CHECKSUM_MISMATCH: (
        "A store record's payload does not hash to the checksum in its header."
    ),
    ReasonCode.STORE_TORN_TAIL: (
        "The store ends inside a record (an append cut short); only an explicit repair removes it."
    ),
    ReasonCode.STORE_NOT_CHAINED: (
        "A stored or appended snapshot does not chain onto the one before it (or is not a genesis)."
    ),
    ReasonCode.STORE_LOCKED: "Another writer holds the snapshot store's lock.",
    ReasonCode.STORE_SEQUENCE_UNKNOWN: "The snapshot store holds no snapshot with this sequence.",
    ReasonCode.STORE_IO_ERROR: (
        "Reading, writing or syncing the snapshot store failed in the operating system."
    ),
    # legacy SNAPSHOT v1 files
    ReasonCode.LEGACY_EMPTY: "A legacy SNAPSHOT v1 file is empty: it holds no block.",
    ReasonCode.LEGACY_NOT_UTF8: "A legacy SNAPSHOT v1 file is not valid UTF-8.",
    ReasonCode.LEGACY_LINE_ENDING: (
        "A legacy SNAPSHOT v1 file has CR LF line endings; the original writes LF only."
    ),
    ReasonCode.LEGACY_LINE_TOO_LONG: (
        "A line of a legacy SNAPSHOT v1 file is longer than 65536 bytes."
    ),
    ReasonCode.LEGACY_SYNTAX: (
        "A line of a legacy SNAPSHOT v1 file is not the line the format has at that "
        "place (a wrong tag or order, a stray character, a blank line, text outside a "
        "block)."
    ),
    ReasonCode.LEGACY_BAD_QUOTE: (
        "A legacy string is not in std::quoted form: no opening quote, never closed, or "
        "a backslash before anything but a quote or a backslash."
    ),
    ReasonCode.LEGACY_NUMBER: (
        "A legacy number is not plain decimal or not in the range of its C++ type (u64, "
        "u32, int, 0/1)."
    ),
    ReasonCode.LEGACY_COUNT_MISMATCH: (
        "A legacy record count (balances <n>, ...) is not the number of records that follow it."
    ),
    ReasonCode.LEGACY_UNTERMINATED_BLOCK: (
        "A legacy file ends inside a SNAPSHOT v1 block, before its END_SNAPSHOT."
    ),
    ReasonCode.LEGACY_ANCHOR_ROOT_MISMATCH: (
        "A legacy anchor's root is not the v1 root computed from its block."
    ),
    ReasonCode.LEGACY_ANCHOR_HASH_MISMATCH: (
        "A legacy anchor's hash is not the lowercase hex SHA-256 of its payload."
    ),
    ReasonCode.LEGACY_ANCHOR_PAYLOAD_MISMATCH: (
        "A legacy anchor's payload is not <root>:<timestampMs>:<recoveryMetadata> of "
        "its own fields."
    ),
    ReasonCode.LEGACY_NOT_CONVERTIBLE: (
        "A legacy record cannot be represented in the native format (an id that is not "
        "a native id, a duplicate id, a hash that is not 64 hex digits, a status or "
        "number without a native equivalent)."
    ),
    # netflow relay accounting
    ReasonCode.NETFLOW_UNKNOWN_RELAY: "A tunnel or relay status names a relay the mesh lacks.",
    ReasonCode.NETFLOW_KIND_UNSUPPORTED: (
        "A tunnel's kind (wireguard, onion, hybrid) is not supported by one of its endpoints."
    ),
    ReasonCode.NETFLOW_UNKNOWN_TUNNEL: "A bandwidth receipt names a tunnel the mesh lacks.",
    ReasonCode.NETFLOW_INTERVAL_INVALID: "A bandwidth receipt's interval is empty or reversed.",
    ReasonCode.NETFLOW_OUT_OF_EPOCH: "A bandwidth receipt's interval is not inside its epoch.",
    ReasonCode.NETFLOW_UNSIGNED: "A bandwidth receipt lacks the signature of one endpoint.",
    ReasonCode.NETFLOW_BAD_SIGNATURE: (
        "An endpoint's BIP340 signature of a bandwidth receipt does not verify under its key."
    ),
    ReasonCode.NETFLOW_OVER_CAPACITY: (
        "A receipt counts more bytes than the smaller endpoint capacity allows for its interval."
    ),
    ReasonCode.NETFLOW_DUPLICATE_RECEIPT: "The same bandwidth receipt is given twice.",
    ReasonCode.NETFLOW_INTERVAL_OVERLAP: "Two receipts of one tunnel have overlapping intervals.",
    ReasonCode.NETFLOW_COMMITMENT_MISMATCH: (
        "Carried receipts, mesh and pool do not give the epoch record's digest."
    ),
    ReasonCode.USAGE: "The command line is wrong (exit code 2).",
    ReasonCode.FILE_UNREADABLE: "A file cannot be read (missing, a directory, no permission).",
    ReasonCode.VECTOR_CASE_FAILED: "A golden vector case did not give its expected result.",
    ReasonCode.INTERNAL_ERROR: "A bug in ailee (exit code 4); please report it with the input.",
}


class AileeError(Exception):
    """Base of every error ailee raises on bad input.

    ``code`` is a stable reason code (see :class:`ReasonCode`); ``message`` says what
    was wrong, for a person.
    """

    def __init__(self, code: ReasonCode, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code: ReasonCode = code
        self.message: str = message


class DecodeError(AileeError):
    """Input is malformed, non-canonical, violates its schema or exceeds a limit."""


class VerificationError(AileeError):
    """Input is well-formed, but a verification check failed."""


class ProofError(VerificationError):
    """A Merkle inclusion or non-inclusion proof does not hold."""
