"""Seed corpora for the harnesses, taken from ``vectors/*.json`` and ``examples/``.

``seeds(name)`` lists the seed inputs of one harness, framed as that harness reads
its input; ``write_seeds(name, directory)`` writes them as files named by their hash
(so writing twice adds nothing). ``python -m fuzz.corpus`` prints how many each has.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fuzz._harness import ROOT, pack

VECTORS = ROOT / "vectors"
EXAMPLES = ROOT / "examples"
_META = {"tcId", "comment", "flags", "result", "code", "expected", "line", "column", "path"}


def cases(file: str) -> Iterator[dict[str, Any]]:
    """Every test case of one vector file."""
    doc = json.loads((VECTORS / file).read_text(encoding="utf-8"))
    for group in doc["testGroups"]:
        yield from group["tests"]


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _network_byte(name: str) -> bytes:
    from ailee.networks import NETWORKS

    return bytes((list(NETWORKS).index(name) if name in NETWORKS else 0xFF,))


def _evidence_docs() -> Iterator[dict[str, Any]]:
    for name in ("evidence.json", "claim-evidence.json"):
        yield json.loads(_example(name))
    for file in ("evidence.json", "claims.json"):
        for case in cases(file):
            if isinstance(case.get("evidence"), dict):
                yield case["evidence"]


def _evidence_items() -> Iterator[tuple[str, list[str], dict[str, Any]]]:
    """(network, first header chain, item) for every anchor, peg-in and peg-out item."""
    for doc in _evidence_docs():
        chains = doc.get("header_chains") or [[]]
        for kind in ("anchors", "pegins", "pegouts"):
            for item in doc.get(kind) or []:
                if isinstance(item, dict):
                    yield doc.get("network", "regtest"), chains[0], item


def _hexes(values: Iterator[Any]) -> list[bytes]:
    found = []
    for value in values:
        try:
            found.append(bytes.fromhex(value))
        except (TypeError, ValueError):
            continue
    return found


def _cbor() -> list[bytes]:
    inputs = (c.get("input") for c in cases("cbor_decode.json"))
    return _hexes(inputs) + _hexes(c.get("canonical_cbor") for c in cases("snapshots.json"))


def _jsoncodec() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted(EXAMPLES.glob("*.json"))]
    seeds += [_json(c["proof"]) for c in cases("proofs.json")][:20]
    return seeds + [c["document"].encode() for c in cases("snapshots.json") if "document" in c][:20]


def _snapshot() -> list[bytes]:
    seeds = [_example("genesis.json"), _example("snapshot.json")]
    for case in cases("snapshots.json"):
        if isinstance(case.get("document"), str):
            seeds.append(case["document"].encode("utf-8"))
        seeds += _hexes(iter([case.get("document_hex"), case.get("canonical_cbor")]))
    for case in cases("chains.json"):
        seeds += [d.encode("utf-8") for d in case["documents"] if isinstance(d, str)]
    return seeds


def _proof() -> list[bytes]:
    return [bytes.fromhex(c["root"]) + _json(c["proof"]) for c in cases("proofs.json")]


def _header_files() -> Iterator[tuple[str, list[str]]]:
    for file in ("headers.json", "spv.json"):
        for case in cases(file):
            for chain in case.get("chains") or []:
                if isinstance(chain, list):
                    yield case.get("network", "regtest"), chain
    for doc in _evidence_docs():
        for chain in doc.get("header_chains") or []:
            yield doc.get("network", "regtest"), chain


def _headers() -> list[bytes]:
    seeds = []
    for network, chain in _header_files():
        raw = b"".join(_hexes(iter(chain)))
        seeds.append(_network_byte(network) + raw)
        seeds.append(_network_byte(network) + "\n".join(chain).encode() + b"\n")
    return seeds


def _txoutproof() -> list[bytes]:
    proofs = _hexes(c.get("txoutproof") for c in cases("txoutproofs.json"))
    proofs += _hexes(c.get("txoutproof") for c in cases("spv.json"))
    return proofs + _hexes(item.get("txoutproof") for _, _, item in _evidence_items())


def _spv() -> list[bytes]:
    seeds = []
    for case in cases("spv.json"):
        chains = case.get("chains") or [[]]
        headers = b"".join(_hexes(iter(chains[0])))
        proof, tx = (b"".join(_hexes(iter([case.get(k) or ""]))) for k in ("txoutproof", "tx"))
        seeds.append(_network_byte(case.get("network", "regtest")) + pack(headers, proof, tx))
    for network, chain, item in _evidence_items():
        headers = b"".join(_hexes(iter(chain)))
        proof, tx = (b"".join(_hexes(iter([item.get(k) or ""]))) for k in ("txoutproof", "tx"))
        seeds.append(_network_byte(network) + pack(headers, proof, tx))
    return seeds


def _transaction() -> list[bytes]:
    txs = _hexes(c.get("tx") for c in cases("spv.json"))
    return txs + _hexes(item.get("tx") for _, _, item in _evidence_items())


def _anchor_script() -> list[bytes]:
    return _hexes(c.get("script") for c in cases("anchor_scripts.json"))


def _evidence() -> list[bytes]:
    return [_json(doc) for doc in _evidence_docs()]


def _claim() -> list[bytes]:
    seeds = [pack(_example("claim.json"), _example("claim-evidence.json"))]
    for case in cases("claims.json"):
        if isinstance(case.get("claim"), dict) and isinstance(case.get("evidence"), dict):
            seeds.append(pack(_json(case["claim"]), _json(case["evidence"])))
    return seeds


_FORMAT_BYTE = {"yaml": b"\x00", "json": b"\x01", "toml": b"\x02"}


def _policy_texts() -> Iterator[tuple[str, str]]:
    for suffix in ("yaml", "json", "toml"):
        yield suffix, _example(f"policy.{suffix}").decode("utf-8")
    for case in cases("policy.json"):
        if case.get("format") in _FORMAT_BYTE and isinstance(case.get("text"), str):
            yield case["format"], case["text"]


def _policy() -> list[bytes]:
    return [_FORMAT_BYTE[fmt] + text.encode("utf-8") for fmt, text in _policy_texts()]


_WHEN = re.compile(r"""when"?\s*[:=]\s*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)')""")


def _condition() -> list[bytes]:
    found = set()
    for _, text in _policy_texts():
        for match in _WHEN.finditer(text):
            found.add((match.group(1) or match.group(2) or "").encode("utf-8"))
    return sorted(found)


def _legacy() -> list[bytes]:
    seeds = []
    for case in cases("legacy.json"):
        if "text_hex" in case:
            seeds += _hexes(iter([case["text_hex"]]))
        elif isinstance(case.get("text"), str):
            seeds.append(case["text"].encode("utf-8"))
    return seeds


def _store() -> list[bytes]:
    from ailee.snapshot import read_snapshot, snapshot_to_cbor
    from ailee.store import MAGIC, STORE_VERSION, encode_record

    payloads = [snapshot_to_cbor(read_snapshot(_example(n))) for n in ("genesis.json",)]
    payloads.append(snapshot_to_cbor(read_snapshot(_example("snapshot.json"))))
    header = MAGIC + STORE_VERSION.to_bytes(4, "big")
    records = b"".join(encode_record(p) for p in payloads)

    def framed(items: list[bytes]) -> bytes:
        return b"\x02" + b"".join(len(p).to_bytes(4, "big") + p for p in items)

    seeds = [framed(payloads), framed(payloads[:1]), b"\x01" + records, b"\x00" + header + records]
    seeds += [b"\x01", b"\x00" + header, b"\x01" + records[:-1]]
    snapshots = _hexes(c.get("canonical_cbor") for c in cases("snapshots.json"))
    return seeds + [framed([s]) for s in snapshots[:20]]


def _case_fields(file: str) -> list[bytes]:
    return [_json({k: v for k, v in c.items() if k not in _META}) for c in cases(file)]


def _vectors() -> list[bytes]:
    seeds = []
    for path in sorted(VECTORS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for group in doc["testGroups"]:
            for test in group["tests"]:
                one = {**doc, "numberOfTests": 1, "testGroups": [{**group, "tests": [test]}]}
                seeds.append(_json(one))
    return seeds


SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "cbor": _cbor,
    "jsoncodec": _jsoncodec,
    "snapshot": _snapshot,
    "proof": _proof,
    "headers": _headers,
    "txoutproof": _txoutproof,
    "spv": _spv,
    "transaction": _transaction,
    "anchor_script": _anchor_script,
    "evidence": _evidence,
    "claim": _claim,
    "policy": _policy,
    "condition": _condition,
    "legacy": _legacy,
    "store": _store,
    "netflow": lambda: _case_fields("netflow.json"),
    "safety": lambda: _case_fields("breakers.json"),
    "vectors": _vectors,
}


def seeds(name: str) -> list[bytes]:
    """The distinct seed inputs of harness ``name``."""
    return sorted(set(SEEDS[name]()))


def write_seeds(name: str, directory: Path, max_len: int | None = None) -> int:
    """Write the seeds of ``name`` (those up to ``max_len`` bytes) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed in seeds(name):
        if max_len is not None and len(seed) > max_len:
            continue
        path = directory / f"seed-{hashlib.sha256(seed).hexdigest()[:16]}"
        if not path.exists():
            path.write_bytes(seed)
        count += 1
    return count


if __name__ == "__main__":
    for harness in SEEDS:
        found = seeds(harness)
        sizes = sorted(len(s) for s in found)
        print(f"{harness:14} {len(found):5} seeds, largest {sizes[-1] if sizes else 0} bytes")
