"""A second, compact implementation of docs/spec.md, from the text alone.

It uses only the standard library (no cbor2, nothing from ``ailee``) and follows the
spec's wording and section numbers rather than the shape of ``src/ailee``: recursive
trees as in RFC 6962, a CBOR reader written as the spec's numbered steps. The tests run
every golden vector through it, so the spec, the vectors and ``ailee`` must agree.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import unicodedata
from typing import Any

MAX_AMOUNT = 2_100_000_000_000_000
MAX_UINT = 2**53 - 1
SECTIONS = ["accounts", "pegins", "pegouts", "anchors", "tasks", "telemetry", "recovery",
            "federation"]  # fmt: skip


class Rejected(Exception):
    """Input rejected with a spec reason code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- 3. tagged hashes ---------------------------------------------------------------


def th(tag: str, msg: bytes) -> bytes:
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


# --- 4. deterministic CBOR ----------------------------------------------------------


def cbor_encode(v: Any) -> bytes:
    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * width):
                return bytes([major << 5 | info]) + n.to_bytes(width, "big")
        raise ValueError(n)

    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        raw = v.encode()
        return head(3, len(raw)) + raw
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    items = sorted((cbor_encode(k), cbor_encode(x)) for k, x in v.items())
    return head(5, len(items)) + b"".join(k + x for k, x in items)


def cbor_decode(data: bytes, limit: int = 268_435_456) -> Any:
    if len(data) > limit:
        raise Rejected("INPUT_TOO_LARGE")
    pos = 0

    def need(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(data):
            raise Rejected("CBOR_TRUNCATED")
        chunk = data[pos : pos + n]
        pos += n
        return chunk

    def item(depth: int) -> Any:
        first = need(1)[0]
        major, info = first >> 5, first & 31
        if major == 6:
            raise Rejected("CBOR_TAG")
        if major == 7:
            simple = {20: False, 21: True, 22: None}
            if info in simple:
                return simple[info]
            if info in (25, 26, 27):
                raise Rejected("CBOR_FLOAT")
            if 28 <= info <= 30:
                raise Rejected("CBOR_RESERVED_INFO")
            if info == 31:
                raise Rejected("CBOR_INDEFINITE_LENGTH")
            raise Rejected("CBOR_SIMPLE_VALUE")
        if 28 <= info <= 30 or (info == 31 and major <= 1):
            raise Rejected("CBOR_RESERVED_INFO")
        if info == 31:
            raise Rejected("CBOR_INDEFINITE_LENGTH")
        if info < 24:
            arg = info
        else:
            width = {24: 1, 25: 2, 26: 4, 27: 8}[info]
            arg = int.from_bytes(need(width), "big")
            if arg < (24 if width == 1 else 1 << (8 * width // 2)):
                raise Rejected(
                    "CBOR_NON_SHORTEST_INT" if major <= 1 else "CBOR_NON_SHORTEST_LENGTH"
                )
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return need(arg)
        if major == 3:
            try:
                return need(arg).decode("utf-8")
            except UnicodeDecodeError:
                raise Rejected("CBOR_INVALID_UTF8") from None
        if depth + 1 > 32:
            raise Rejected("CBOR_TOO_DEEP")
        left = len(data) - pos
        if major == 4:
            if arg > left:
                raise Rejected("CBOR_TRUNCATED")
            return [item(depth + 1) for _ in range(arg)]
        if 2 * arg > left:
            raise Rejected("CBOR_TRUNCATED")
        out: dict[str, Any] = {}
        previous = None
        for _ in range(arg):
            start = pos
            if pos < len(data) and data[pos] >> 5 != 3:
                raise Rejected("CBOR_MAP_KEY_NOT_TEXT")
            key = item(depth + 1)
            encoded = data[start:pos]
            if previous is not None and encoded == previous:
                raise Rejected("CBOR_MAP_KEY_DUPLICATE")
            if previous is not None and encoded < previous:
                raise Rejected("CBOR_MAP_KEYS_UNSORTED")
            previous = encoded
            out[key] = item(depth + 1)
        return out

    value = item(0)
    if pos != len(data):
        raise Rejected("CBOR_TRAILING_BYTES")
    return value


# --- 10.3 strict JSON ---------------------------------------------------------------


def json_read(data: bytes) -> Any:
    if data.startswith(b"\xef\xbb\xbf"):
        raise Rejected("JSON_INVALID_UTF8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("JSON_INVALID_UTF8") from None

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in items}) != len(items):
            raise Rejected("JSON_DUPLICATE_KEY")
        return dict(items)

    def no_float(_: str) -> Any:
        raise Rejected("JSON_FLOAT")

    def no_constant(_: str) -> Any:
        raise Rejected("JSON_NON_FINITE")

    def integer(s: str) -> int:
        if len(s.lstrip("-")) > 40:
            raise Rejected("INT_OUT_OF_RANGE")
        return int(s)

    try:
        value = json.loads(
            text, object_pairs_hook=pairs, parse_float=no_float,
            parse_constant=no_constant, parse_int=integer,
        )  # fmt: skip
    except json.JSONDecodeError:
        raise Rejected("JSON_SYNTAX") from None
    except RecursionError:
        raise Rejected("JSON_TOO_DEEP") from None

    def walk(v: Any, depth: int) -> None:
        if isinstance(v, (list, dict)):
            if depth + 1 > 32:
                raise Rejected("JSON_TOO_DEEP")
            for x in v.values() if isinstance(v, dict) else v:
                walk(x, depth + 1)
            if isinstance(v, dict):
                for k in v:
                    walk(k, depth)
        elif isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise Rejected("JSON_INVALID_STRING") from None

    walk(value, 0)
    return value


# --- 5. field kinds and 6. records ----------------------------------------------------


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def k_uint(lo: int = 0, hi: int = MAX_UINT) -> Any:
    def read(v: Any, json_form: bool) -> Any:
        if not is_int(v):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if not lo <= v <= hi:
            raise Rejected("INT_OUT_OF_RANGE")
        return v

    return read


def k_amount(v: Any, json_form: bool) -> Any:
    if not is_int(v):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if not 0 <= v <= MAX_AMOUNT:
        raise Rejected("AMOUNT_OUT_OF_RANGE")
    return v


def k_id(v: Any, json_form: bool) -> Any:
    if not isinstance(v, str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    ucd = unicodedata.ucd_3_2_0
    if not v:
        raise Rejected("ID_EMPTY")
    if any(ucd.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in v):
        raise Rejected("ID_FORBIDDEN_CHAR")
    if len(v.encode()) > 64:
        raise Rejected("ID_TOO_LONG")
    if ucd.normalize("NFC", v) != v:
        raise Rejected("ID_NOT_NFC")
    return v


def k_bytes(lo: int, hi: int) -> Any:
    def read(v: Any, json_form: bool) -> Any:
        if json_form:
            if not isinstance(v, str):
                raise Rejected("SCHEMA_WRONG_TYPE")
            if len(v) % 2 or any(c not in "0123456789abcdef" for c in v):
                raise Rejected("HEX_INVALID")
            v = bytes.fromhex(v)
        elif not isinstance(v, bytes):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if not lo <= len(v) <= hi:
            raise Rejected("BYTES_WRONG_LENGTH")
        return v

    return read


def k_enum(*values: str) -> Any:
    def read(v: Any, json_form: bool) -> Any:
        if not isinstance(v, str):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if v not in values:
            raise Rejected("ENUM_UNKNOWN_VALUE")
        return v

    return read


def k_optional(inner: Any) -> Any:
    return lambda v, j: None if v is None else inner(v, j)


def k_sorted_list(inner: Any, lo: int, hi: int) -> Any:
    def read(v: Any, json_form: bool) -> Any:
        if not isinstance(v, list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if not lo <= len(v) <= hi:
            raise Rejected("INT_OUT_OF_RANGE")
        out = [inner(x, json_form) for x in v]
        if any(not a < b for a, b in itertools.pairwise(out)):
            raise Rejected("LIST_NOT_SORTED_UNIQUE")
        return out

    return read


B32 = k_bytes(32, 32)
B96 = k_bytes(96, 96)
HEADER = [("version", k_uint()), ("chain_id", k_id), ("sequence", k_uint()),
          ("prev_state_root", B32), ("timestamp_ms", k_uint())]  # fmt: skip
RECORDS: dict[str, list[tuple[str, Any]]] = {
    "accounts": [("id", k_id), ("balance", k_amount), ("nonce", k_uint())],
    "pegins": [("btc_txid", B32), ("vout", k_uint(0, 2**32 - 1)), ("amount", k_amount),
               ("l2_destination", k_id),
               ("status", k_enum("pending", "confirmed", "minted", "rejected")),
               ("fee", k_amount), ("epoch", k_uint())],
    "pegouts": [("id", k_id), ("l2_source", k_id), ("btc_destination", k_bytes(1, 10000)),
                ("amount", k_amount), ("fee", k_amount),
                ("status", k_enum("requested", "authorized", "broadcast", "confirmed",
                                  "failed", "expired")),
                ("anchor_ref", k_optional(B32)), ("nonce", k_uint()),
                ("requested_at", k_uint()), ("signatures", k_sorted_list(B96, 0, 1000)),
                ("btc_txid", k_optional(B32)), ("reason", k_optional(k_id))],
    "anchors": [("sequence", k_uint()), ("timestamp_ms", k_uint()), ("state_root", B32),
                ("recovery_metadata", B32), ("prev_commitment", B32), ("commitment", B32)],
    "tasks": [("id", k_id), ("task_type", k_id), ("priority", k_uint(0, 255)),
              ("submitter", k_id), ("payload_hash", B32), ("assignment", k_optional(k_id)),
              ("decision", k_optional(B32)), ("result", k_optional(B32))],
    "telemetry": [("id", k_id), ("node_id", k_id), ("window_start_ms", k_uint()),
                  ("window_end_ms", k_uint()), ("digest", B32)],
    "recovery": [("id", k_id), ("claimant", k_id), ("amount", k_amount),
                 ("anchor_sequence", k_uint()),
                 ("status", k_enum("submitted", "challenge", "disputed", "approved",
                                   "rejected", "paid"))],
    "federation": [("epoch", k_uint()), ("threshold", k_uint(1, 1000)),
                   ("signers", k_sorted_list(B32, 1, 1000)),
                   ("deposit_scripts", k_sorted_list(k_bytes(1, 10000), 0, 100)),
                   ("min_confirmations", k_uint(1, 1_000_000)),
                   ("pegin_min", k_amount), ("pegin_max", k_amount),
                   ("pegin_fee_fixed", k_amount), ("pegin_fee_ppm", k_uint(0, 1_000_000)),
                   ("pegout_fee_min", k_amount), ("pegout_fee_max", k_amount),
                   ("from_sequence", k_uint()), ("policy_hash", B32),
                   ("authorization", k_sorted_list(B96, 0, 1000))],
}  # fmt: skip


def exact_fields(obj: Any, names: list[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if any(n not in obj for n in names):
        raise Rejected("SCHEMA_MISSING_FIELD")
    if len(obj) != len(names):
        raise Rejected("SCHEMA_UNKNOWN_FIELD")
    return obj


def read_map(obj: Any, spec: list[tuple[str, Any]], json_form: bool) -> dict[str, Any]:
    exact_fields(obj, [n for n, _ in spec])
    return {n: kind(obj[n], json_form) for n, kind in spec}


def read_pegin(obj: Any, json_form: bool) -> dict[str, Any]:
    """6.3, PegIn: "at most `amount`" is in the row of `fee`, so it is checked as `fee`
    is read, before `epoch` (the FederationConfig rules come "after its fields")."""
    exact_fields(obj, [n for n, _ in RECORDS["pegins"]])
    out: dict[str, Any] = {}
    for name, kind in RECORDS["pegins"]:
        out[name] = kind(obj[name], json_form)
        if name == "fee" and out["fee"] > out["amount"]:
            raise Rejected("AMOUNT_OUT_OF_RANGE")
    return out


def read_header(obj: Any, json_form: bool) -> dict[str, Any]:
    header = read_map(obj, HEADER, json_form)
    if header["version"] != 2:
        raise Rejected("SCHEMA_UNSUPPORTED_VERSION")
    return header


def read_record(section: str, obj: Any, json_form: bool) -> dict[str, Any]:
    if section not in RECORDS:
        raise Rejected("SECTION_UNKNOWN")
    if section == "pegins":
        return read_pegin(obj, json_form)
    record = read_map(obj, RECORDS[section], json_form)
    if section == "federation":
        if record["threshold"] > len(record["signers"]):
            raise Rejected("FEDERATION_THRESHOLD_INVALID")
        if (record["pegin_min"] > record["pegin_max"]
                or record["pegout_fee_min"] > record["pegout_fee_max"]):  # fmt: skip
            raise Rejected("FEDERATION_POLICY_INVALID")
    return record


def key_of(section: str, r: dict[str, Any]) -> bytes:
    if section == "pegins":
        return bytes(r["btc_txid"]) + int(r["vout"]).to_bytes(4, "big")
    if section == "anchors":
        return int(r["sequence"]).to_bytes(8, "big")
    if section == "federation":
        return int(r["epoch"]).to_bytes(8, "big")
    return str(r["id"]).encode()


def sort_section(section: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ordered = sorted(records, key=lambda r: key_of(section, r))
    keys = [key_of(section, r) for r in ordered]
    if len(set(keys)) != len(keys):
        raise Rejected("SECTION_DUPLICATE_KEY")
    return ordered


# --- 7./8. trees and roots -------------------------------------------------------------

EMPTY = th("ailee/v2/empty", b"")


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return EMPTY
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return th("ailee/v2/node", mth(leaves[:k]) + mth(leaves[k:]))


def sum_node(a: tuple[bytes, int], b: tuple[bytes, int]) -> tuple[bytes, int]:
    total = a[1] + b[1]
    if total > MAX_AMOUNT:
        raise Rejected("ACCOUNTS_TOTAL_OVERFLOW")
    msg = a[0] + a[1].to_bytes(8, "big") + b[0] + b[1].to_bytes(8, "big")
    return th("ailee/v2/sum-node", msg), total


def msh(leaves: list[tuple[bytes, int]]) -> tuple[bytes, int]:
    if not leaves:
        return EMPTY, 0
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return sum_node(msh(leaves[:k]), msh(leaves[k:]))


def leaf(section: str, record: dict[str, Any]) -> bytes:
    return th("ailee/v2/leaf/" + section, cbor_encode(record))


def section_root(section: str, count: int, total: int, tree: bytes) -> bytes:
    index = SECTIONS.index(section)
    msg = bytes([index]) + count.to_bytes(8, "big") + total.to_bytes(8, "big") + tree
    return th("ailee/v2/section", msg)


def state_root(header: dict[str, Any], sections: dict[str, list[dict[str, Any]]]) -> bytes:
    roots = []
    for name in SECTIONS:
        records = sections.get(name, [])
        if name == "accounts":
            tree, total = msh([(leaf(name, r), r["balance"]) for r in records])
        else:
            tree, total = mth([leaf(name, r) for r in records]), 0
        roots.append(section_root(name, len(records), total, tree))
    return th("ailee/v2/state", b"".join(roots) + cbor_encode(header))


# --- 9. proofs ------------------------------------------------------------------------


def path_sides(index: int, size: int) -> list[bool]:
    sides = []
    while size > 1:
        if index % 2:
            sides.append(True)
        elif index + 1 < size:
            sides.append(False)
        index //= 2
        size = (size + 1) // 2
    return sides


def read_witness(section: str, w: Any) -> Any:
    """Spec 9.1: a witness or null; path elements are hex hashes, or {hash, sum} for accounts."""
    if w is None:
        return None
    exact_fields(w, ["index", "record", "path"])
    index = k_uint(0, 2**24)(w["index"], True)
    record = read_record(section, w["record"], True)
    if not isinstance(w["path"], list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if len(w["path"]) > 24:
        raise Rejected("PROOF_PATH_LENGTH")
    path = []
    for step in w["path"]:
        if section == "accounts":
            exact_fields(step, ["hash", "sum"])
            if not is_int(step["sum"]):
                raise Rejected("SCHEMA_WRONG_TYPE")
            path.append((B32(step["hash"], True), step["sum"]))
        else:
            path.append(B32(step, True))
    return index, record, path


def witness_root(section: str, w: Any, size: int) -> tuple[bytes, int]:
    index, record, path = w
    if not 0 <= index < size:
        raise Rejected("PROOF_INDEX_OUT_OF_RANGE")
    sides = path_sides(index, size)
    if len(path) != len(sides):
        raise Rejected("PROOF_PATH_LENGTH")
    if section != "accounts":
        node = leaf(section, record)
        for left, sibling in zip(sides, path, strict=False):
            node = th("ailee/v2/node", sibling + node if left else node + sibling)
        return node, 0
    current = (leaf(section, record), record["balance"])
    for _, value in path:
        if value < 0:
            raise Rejected("PROOF_SUM_NEGATIVE")
        if value > MAX_AMOUNT:
            raise Rejected("PROOF_SUM_OVERFLOW")
    for left, sibling in zip(sides, path, strict=False):
        if current[1] + sibling[1] > MAX_AMOUNT:
            raise Rejected("PROOF_SUM_OVERFLOW")
        current = sum_node(sibling, current) if left else sum_node(current, sibling)
    return current


def read_proof(doc: Any) -> dict[str, Any]:
    """Spec 9.1: read a proof document (the first fault's code)."""
    if not isinstance(doc, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if is_int(doc.get("version")) and doc["version"] != 2:
        raise Rejected("SCHEMA_UNSUPPORTED_VERSION")
    if "kind" not in doc:
        raise Rejected("SCHEMA_MISSING_FIELD")
    kind = doc["kind"]
    if kind not in ("inclusion", "non-inclusion"):
        raise Rejected("ENUM_UNKNOWN_VALUE")
    names = ["format", "version", "kind", "section", "key", "header", "section_roots",
             "tree_size", "section_total"]  # fmt: skip
    names += ["leaf"] if kind == "inclusion" else ["left", "right"]
    exact_fields(doc, names)
    if doc["format"] != "ailee-proof":
        raise Rejected("SCHEMA_BAD_FORMAT")
    section = doc["section"]
    if not isinstance(section, str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if section not in SECTIONS:
        raise Rejected("SECTION_UNKNOWN")
    key = k_bytes(0, 10**9)(doc["key"], True)
    header = read_header(doc["header"], True)
    others = [s for s in SECTIONS if s != section]
    roots_doc = exact_fields(doc["section_roots"], others)
    roots = {s: B32(roots_doc[s], True) for s in others}
    size = k_uint(0, 2**24)(doc["tree_size"], True)
    total = doc["section_total"]
    if not is_int(total):
        raise Rejected("SCHEMA_WRONG_TYPE")
    witnesses = {n: read_witness(section, doc[n]) for n in names[9:]}
    if kind == "inclusion" and witnesses["leaf"] is None:
        raise Rejected("SCHEMA_WRONG_TYPE")
    return {"kind": kind, "section": section, "key": key, "header": header, "roots": roots,
            "size": size, "total": total, "witnesses": witnesses}  # fmt: skip


def verify_proof(doc: Any, root: bytes) -> tuple[str, int]:
    """Spec 9.1 (reading) then 9.2 (verification); returns (kind, total)."""
    p = read_proof(doc)
    kind, section, key, header = p["kind"], p["section"], p["key"], p["header"]
    roots, size, total, witnesses = p["roots"], p["size"], p["total"], p["witnesses"]
    # 9.2
    if total < 0:
        raise Rejected("PROOF_SUM_NEGATIVE")
    if total > MAX_AMOUNT:
        raise Rejected("PROOF_SUM_OVERFLOW")
    if kind == "inclusion":
        w = witnesses["leaf"]
        if key_of(section, w[1]) != key:
            raise Rejected("PROOF_KEY_MISMATCH")
        tree, proven = witness_root(section, w, size)
    else:
        left, right = witnesses["left"], witnesses["right"]
        if left is None and right is None:
            if size != 0:
                raise Rejected("PROOF_NOT_ADJACENT")
            tree, proven = EMPTY, 0
        else:
            if left is not None and right is not None and right[0] != left[0] + 1:
                raise Rejected("PROOF_NOT_ADJACENT")
            if left is None and right[0] != 0:
                raise Rejected("PROOF_NOT_ADJACENT")
            if right is None and left[0] != size - 1:
                raise Rejected("PROOF_NOT_ADJACENT")
            if left is not None and not key_of(section, left[1]) < key:
                raise Rejected("PROOF_KEY_ORDER")
            if right is not None and not key < key_of(section, right[1]):
                raise Rejected("PROOF_KEY_ORDER")
            results = [witness_root(section, w, size) for w in (left, right) if w is not None]
            if len(results) == 2 and results[0] != results[1]:
                raise Rejected("PROOF_ROOT_MISMATCH")
            tree, proven = results[0]
    if proven != total:
        raise Rejected("PROOF_SUM_MISMATCH")
    roots[section] = section_root(section, size, total, tree)
    state = th("ailee/v2/state", b"".join(roots[s] for s in SECTIONS) + cbor_encode(header))
    if state != root:
        raise Rejected("PROOF_ROOT_MISMATCH")
    return kind, total


# --- 10./11. snapshots and checks -------------------------------------------------------


def read_snapshot(data: bytes) -> tuple[dict[str, Any], dict[str, list[Any]], bytes]:
    json_form = not (data[:1] and 0xA0 <= data[0] <= 0xBF)
    doc = json_read(data) if json_form else cbor_decode(data)
    if not isinstance(doc, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    head = doc.get("header")
    if isinstance(head, dict) and is_int(head.get("version")) and head["version"] != 2:
        raise Rejected("SCHEMA_UNSUPPORTED_VERSION")
    carried = [name for name in ATTACHMENTS if name in doc]
    exact_fields(doc, ["format", "header", "sections", "state_root", *carried])
    if not isinstance(doc["format"], str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if doc["format"] != "ailee-snapshot":
        raise Rejected("SCHEMA_BAD_FORMAT")
    header = read_header(doc["header"], json_form)
    exact_fields(doc["sections"], SECTIONS)
    sections = {}
    for name in SECTIONS:
        items = doc["sections"][name]
        if not isinstance(items, list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        sections[name] = [read_record(name, r, json_form) for r in items]
    claimed = B32(doc["state_root"], json_form)
    for name in SECTIONS:
        ordered = sort_section(name, sections[name])
        if not json_form and ordered != sections[name]:
            raise Rejected("SECTION_UNSORTED")
        sections[name] = ordered
    # Step 9 names only `schedule`; the other attachments are read after it, in the
    # order of the table of 10.1.
    for name in carried:
        sections["__" + name + "__"] = [attachment_reader(name)(doc[name], json_form)]
    return header, sections, claimed


ATTACHMENTS = ["schedule", "fl_rounds", "telemetry_batches"]


def attachment_reader(name: str) -> Any:
    """The reader of an optional top-level field of 10.1 (sections 17.8, 18.7, 18.8)."""
    from tests.independent import reference_fl as fl
    from tests.independent import reference_scheduling as sched
    from tests.independent import reference_telemetry as telemetry

    readers = {"schedule": sched, "fl_rounds": fl, "telemetry_batches": telemetry}
    return readers[name].read_attachment


def anchor_hash(chain_id: str, a: dict[str, Any]) -> bytes:
    """Spec "Anchors": the commitment of an anchor record."""
    cid = chain_id.encode()
    msg = (bytes([len(cid)]) + cid + a["sequence"].to_bytes(8, "big")
           + a["timestamp_ms"].to_bytes(8, "big") + a["state_root"] + a["recovery_metadata"]
           + a["prev_commitment"])  # fmt: skip
    return th("ailee/v2/anchor", msg)


def check_anchor_chain(chain_id: str, anchors: list[dict[str, Any]]) -> str | None:
    previous = bytes(32)
    for a in anchors:
        if a["prev_commitment"] != previous:
            return "ANCHOR_CHAIN_BROKEN"
        if a["commitment"] != anchor_hash(chain_id, a):
            return "ANCHOR_COMMITMENT_MISMATCH"
        previous = a["commitment"]
    return None


def check_snapshot(data: bytes, policy_hash: bytes | None = None) -> tuple[list[str], Any]:
    """Spec 11.1: the codes of failed checks in order, and (header, sections, root).
    With ``policy_hash``, the `policy` check too (the epoch in force names it)."""
    try:
        header, sections, claimed = read_snapshot(data)
    except Rejected as exc:
        return [exc.code], None
    failures = []
    if (header["sequence"] == 0) != (header["prev_state_root"] == bytes(32)):
        failures.append("HEADER_GENESIS_INCONSISTENT")
    if sum(a["balance"] for a in sections["accounts"]) > MAX_AMOUNT:
        failures.append("ACCOUNTS_TOTAL_OVERFLOW")
    if any(a["sequence"] >= header["sequence"] for a in sections["anchors"]):
        failures.append("ANCHOR_SEQUENCE_NOT_PAST")
    anchor_failure = check_anchor_chain(header["chain_id"], sections["anchors"])
    if anchor_failure:
        failures.append(anchor_failure)
    schedule, rounds, batches = (sections.pop("__" + n + "__", [None])[0] for n in ATTACHMENTS)
    root = None
    try:
        root = state_root(header, sections)
    except Rejected as exc:
        failures.append(exc.code)
    else:
        if root != claimed:
            failures.append("STATE_ROOT_MISMATCH")
    from tests.independent import reference_bridge as bridge

    failures.extend(bridge.check_snapshot(header, sections))
    if policy_hash is not None:
        in_force = [e for e in sections["federation"] if e["from_sequence"] <= header["sequence"]]
        if not in_force or in_force[-1]["policy_hash"] != policy_hash:
            failures.append("POLICY_HASH_MISMATCH")
    if schedule is not None:
        from tests.independent import reference_scheduling as sched

        failures.extend(sched.check_carried(schedule, sections["tasks"]))
    if rounds is not None:
        from tests.independent import reference_fl as fl

        failures.extend(fl.check_carried(rounds, sections["tasks"]))
    if batches is not None:
        from tests.independent import reference_telemetry as telemetry

        failures.extend(telemetry.check_carried(batches, sections["telemetry"]))
    return failures, (header, sections, root, schedule, rounds, batches)


def check_chain(documents: list[bytes]) -> list[str]:
    """Spec 10.4 / 11.1: every failed code, snapshots first, then links and anchors."""
    results = [check_snapshot(d) for d in documents]
    failures = [code for codes, _ in results for code in codes]
    for (_, a), (_, b) in itertools.pairwise(results):
        if a is None or b is None:
            continue
        prev, cur = a[0], b[0]
        if prev["version"] != cur["version"]:
            failures.append("CHAIN_VERSION_MISMATCH")
        if prev["chain_id"] != cur["chain_id"]:
            failures.append("CHAIN_ID_MISMATCH")
        if cur["sequence"] != prev["sequence"] + 1:
            failures.append("CHAIN_SEQUENCE_GAP")
        if a[2] is None or cur["prev_state_root"] != a[2]:
            failures.append("CHAIN_PREV_ROOT_MISMATCH")
        if cur["timestamp_ms"] < prev["timestamp_ms"]:
            failures.append("CHAIN_TIMESTAMP_REGRESSION")
        kept = b[1]["anchors"][: len(a[1]["anchors"])]
        if kept != a[1]["anchors"]:
            failures.append("CHAIN_ANCHORS_REWRITTEN")
        from tests.independent import reference_bridge as bridge

        pegins = bridge.check_pegin_step(a[1]["pegins"], b[1]["pegins"])
        if pegins:
            failures.append(pegins)
        pegouts = bridge.check_pegout_step(a[1], b[1], cur["sequence"])
        if pegouts:
            failures.append(pegouts)
    known = {r[0]["sequence"]: r for _, r in results if r is not None and r[2] is not None}
    for _, r in results:
        if r is None:
            continue
        for anchor in r[1]["anchors"]:
            target = known.get(anchor["sequence"])
            if target is None:
                continue
            if anchor["state_root"] != target[2]:
                failures.append("CHAIN_ANCHOR_ROOT_MISMATCH")
            elif anchor["timestamp_ms"] != target[0]["timestamp_ms"]:
                failures.append("CHAIN_ANCHOR_TIMESTAMP_MISMATCH")
    return failures


# --- Section 15: anchors -------------------------------------------------------------


def anchor_commitment_of(chain_id: str, fields: dict[str, Any]) -> bytes:
    """Spec 15.1 from raw fields (bytes must be 32 long)."""
    for name in ("state_root", "recovery_metadata", "prev_commitment"):
        if len(fields[name]) != 32:
            raise Rejected("BYTES_WRONG_LENGTH")
    return anchor_hash(chain_id, fields)


def parse_anchor_script(script: bytes) -> bytes:
    """Spec 15.2, steps 1-5."""
    if len(script) < 2 or script[0] != 0x6A:
        raise Rejected("ANCHOR_NOT_OP_RETURN")
    op = script[1]
    if 1 <= op <= 0x4B:
        start, n = 2, op
    elif op == 0x4C and len(script) >= 3:
        start, n = 3, script[2]
    elif op == 0x4D and len(script) >= 4:
        start, n = 4, int.from_bytes(script[2:4], "little")
    elif op == 0x4E and len(script) >= 6:
        start, n = 6, int.from_bytes(script[2:6], "little")
    else:
        raise Rejected("ANCHOR_NOT_OP_RETURN")
    if start + n != len(script):
        raise Rejected("ANCHOR_NOT_OP_RETURN")
    minimal = {2: True, 3: n >= 76, 4: n >= 256, 6: n >= 65536}[start]
    if not minimal:
        raise Rejected("ANCHOR_NON_MINIMAL_PUSH")
    data = script[start:]
    if data[:5] != b"ailee":
        raise Rejected("ANCHOR_BAD_MAGIC")
    if len(data) == 5:
        raise Rejected("ANCHOR_BAD_LENGTH")
    if data[5] != 1:
        raise Rejected("ANCHOR_UNKNOWN_VERSION")
    if len(data) != 38:
        raise Rejected("ANCHOR_BAD_LENGTH")
    return data[6:]


# secp256k1, affine coordinates, stdlib only (spec 15.3 needs lift_x and P + tG).
_P = 2**256 - 2**32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % _P == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], _P - 2, _P) % _P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], _P - 2, _P) % _P
    x = (lam * lam - a[0] - b[0]) % _P
    return (x, (lam * (a[0] - x) - a[1]) % _P)


def _mul(k: int, point: Any) -> Any:
    result = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _lift_x(x: int) -> Any:
    if x >= _P:
        return None
    y = pow((x * x * x + 7) % _P, (_P + 1) // 4, _P)
    if (y * y - x * x * x - 7) % _P:
        return None
    return (x, y if y % 2 == 0 else _P - y)


def verify_taproot_anchor(spk: bytes, key: bytes, commitment: bytes, path: list[bytes]) -> None:
    """Spec 15.3, in its order of errors."""
    if len(spk) != 34 or spk[:2] != b"\x51\x20":
        raise Rejected("TAPROOT_NOT_P2TR")
    if len(path) > 128:
        raise Rejected("TAPROOT_PATH_TOO_LONG")
    if any(len(h) != 32 for h in path):
        raise Rejected("BYTES_WRONG_LENGTH")
    if len(key) != 32:
        raise Rejected("BYTES_WRONG_LENGTH")
    point = _lift_x(int.from_bytes(key, "big"))
    if point is None:
        raise Rejected("TAPROOT_INVALID_KEY")
    script = b"\x6a\x26ailee\x01" + commitment
    node = th("TapLeaf", b"\xc0" + bytes([len(script)]) + script)
    for h in path:
        node = th("TapBranch", min(node, h) + max(node, h))
    t = int.from_bytes(th("TapTweak", key + node), "big")
    if t >= _N:
        raise Rejected("TAPROOT_TWEAK_INVALID")
    q = _add(point, _mul(t, _G))
    if q is None:
        raise Rejected("TAPROOT_TWEAK_INVALID")
    if q[0].to_bytes(32, "big") != spk[2:]:
        raise Rejected("TAPROOT_OUTPUT_KEY_MISMATCH")
