"""Header-chain verification, against a bare double-SHA-256 floor and python-bitcoinlib.

``verify_header_chain`` with every check on (link, proof of work, the nBits the
difficulty rules require, median time past, minimum versions) over at least 100,000
headers, in headers per second, beside loops over the same headers in the same run:

* the floor: a loop that only double-SHA-256 hashes each 80-byte header;
* python-bitcoinlib: ``CBlockHeader.deserialize`` then ``CheckProofOfWork`` for each
  header, with bitcoinlib's params selected for the data's network. The target is
  measured against the faster way to get the hash, ``bitcoin.core.serialize.Hash`` of
  the raw bytes; the way bitcoinlib's own ``CheckBlockHeader`` does it,
  ``header.GetHash()`` (which serializes the header again), is printed beside it.

Targets: ailee >= 0.4 of the floor's rate, and >= 3 times bitcoinlib's rate.

Two data sets. The headline is real mainnet data: 8,065 headers from height 822,528
(the first is the checkpoint) across 4 real retargets, verified again and again until
at least the requested number of headers has been verified. The second is a regtest
chain mined here (nBits 0x207fffff, about 2 nonces a header, under a second for
100,000): one long chain, but with no retargeting and the same nBits everywhere, and
regtest's minimum-difficulty rule makes the verifier work out the required nBits for
every header.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import platform
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import bitcoin
from bitcoin.core import CBlockHeader, CheckProofOfWork
from bitcoin.core.serialize import Hash
from timing import best_of

from ailee.headerchain import Checkpoint, verify_header_chain
from ailee.headers import HEADER_SIZE, block_hash
from ailee.networks import NetworkParams, network

if TYPE_CHECKING:
    pass

TARGET_FLOOR = 0.4
TARGET_BITCOINLIB = 3.0
ROOT = Path(__file__).resolve().parent.parent
MAINNET_FILE = ROOT.parent / "shared" / "external-vectors" / "mainnet_headers_822528_830592.bin"
MAINNET_BASE_HEIGHT = 822_528
REGTEST_BITS = 0x207FFFFF


@dataclass
class HeadersResult:
    network: str
    chain_headers: int  # headers in one input
    passes: int  # times the input is verified in one timed run
    tip_height: int
    ailee_s: float
    floor_s: float
    bitcoinlib_s: float  # Hash(raw bytes)
    bitcoinlib_gethash_s: float  # header.GetHash()

    @property
    def headers(self) -> int:
        return self.chain_headers * self.passes

    def rate(self, seconds: float) -> float:
        return self.headers / seconds


@dataclass
class HeadersRun:
    mainnet: HeadersResult | None  # None when the mainnet file is absent
    mainnet_file: Path
    regtest: HeadersResult
    mined_s: float


def mine_regtest(count: int) -> bytes:
    """``count`` linked regtest headers on top of genesis (not genesis itself), 600 s apart."""
    genesis = network("regtest").genesis_header
    sha256 = hashlib.sha256
    pack = struct.Struct("<i32s32sII").pack
    target = (REGTEST_BITS & 0x7FFFFF) << (8 * ((REGTEST_BITS >> 24) - 3))
    prev = block_hash(genesis)
    when = struct.unpack_from("<I", genesis, 68)[0]
    out = bytearray()
    for k in range(count):
        when += 600
        prefix = pack(0x20000000, prev, k.to_bytes(32, "little"), when, REGTEST_BITS)
        nonce = 0
        while True:
            raw = prefix + nonce.to_bytes(4, "little")
            digest = sha256(sha256(raw).digest()).digest()
            if int.from_bytes(digest, "little") <= target:
                break
            nonce += 1
        out += raw
        prev = digest
    return bytes(out)


def _measure(
    params: NetworkParams,
    data: bytes,
    checkpoint: Checkpoint | None,
    *,
    passes: int,
    repeats: int,
    bitcoinlib_params: str,
) -> HeadersResult:
    n = len(data) // HEADER_SIZE
    chain = verify_header_chain(data, params, checkpoint)  # a sanity check, and a warm-up
    sha256 = hashlib.sha256
    deserialize = CBlockHeader.deserialize

    def ours() -> None:
        for _ in range(passes):
            verify_header_chain(data, params, checkpoint)

    def floor() -> None:
        for _ in range(passes):
            for k in range(n):
                sha256(sha256(data[k * 80 : (k + 1) * 80]).digest()).digest()

    def bitcoinlib_raw() -> None:
        for _ in range(passes):
            for k in range(n):
                raw = data[k * 80 : (k + 1) * 80]
                header = deserialize(raw)
                CheckProofOfWork(Hash(raw), header.nBits)

    def bitcoinlib_gethash() -> None:
        for _ in range(passes):
            for k in range(n):
                header = deserialize(data[k * 80 : (k + 1) * 80])
                CheckProofOfWork(header.GetHash(), header.nBits)

    bitcoin.SelectParams(bitcoinlib_params)  # CheckProofOfWork reads the global PoW limit
    try:
        return HeadersResult(
            params.name,
            n,
            passes,
            chain.tip_height,
            ailee_s=best_of(repeats, ours),
            floor_s=best_of(repeats, floor),
            bitcoinlib_s=best_of(repeats, bitcoinlib_raw),
            bitcoinlib_gethash_s=best_of(repeats, bitcoinlib_gethash),
        )
    finally:
        bitcoin.SelectParams("mainnet")


def run_mainnet(
    min_headers: int = 100_000, repeats: int = 3, path: Path = MAINNET_FILE
) -> HeadersResult | None:
    """The real mainnet headers, verified until ``min_headers`` are done; None if absent."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    checkpoint = Checkpoint(MAINNET_BASE_HEIGHT, block_hash(data[:HEADER_SIZE]))
    passes = max(1, math.ceil(min_headers / (len(data) // HEADER_SIZE)))
    return _measure(
        network("mainnet"),
        data,
        checkpoint,
        passes=passes,
        repeats=repeats,
        bitcoinlib_params="mainnet",
    )


def run(
    min_headers: int = 100_000, repeats: int = 3, mainnet_file: Path = MAINNET_FILE
) -> HeadersRun:
    mainnet = run_mainnet(min_headers, repeats, mainnet_file)
    start = time.perf_counter()
    mined = mine_regtest(min_headers)
    mined_s = time.perf_counter() - start
    regtest = _measure(
        network("regtest"),
        mined,
        None,
        passes=1,
        repeats=repeats,
        bitcoinlib_params="regtest",
    )
    return HeadersRun(mainnet, mainnet_file, regtest, mined_s)


def _verdict(value: float, target: float) -> str:
    return "PASS" if value >= target else "FAIL"


def _lines(r: HeadersResult) -> list[tuple[str, str]]:
    p = f"headers.{r.network}."
    to_floor = r.floor_s / r.ailee_s
    to_lib = r.bitcoinlib_s / r.ailee_s
    to_lib_gethash = r.bitcoinlib_gethash_s / r.ailee_s
    return [
        (p + "headers", f"{r.headers}  ({r.passes} x {r.chain_headers}, tip {r.tip_height})"),
        (p + "ailee_hps", f"{r.rate(r.ailee_s):,.0f}  ({r.ailee_s:.3f} s, all checks)"),
        (p + "floor_hps", f"{r.rate(r.floor_s):,.0f}  ({r.floor_s:.3f} s, double SHA-256 only)"),
        (
            p + "bitcoinlib_hps",
            f"{r.rate(r.bitcoinlib_s):,.0f}  ({r.bitcoinlib_s:.3f} s, "
            "deserialize + CheckProofOfWork(Hash(raw)))",
        ),
        (
            p + "bitcoinlib_gethash_hps",
            f"{r.rate(r.bitcoinlib_gethash_s):,.0f}  ({r.bitcoinlib_gethash_s:.3f} s, "
            "deserialize + CheckProofOfWork(GetHash()))",
        ),
        (
            p + "ratio_floor",
            f"{to_floor:.3f}  (target >= {TARGET_FLOOR}: {_verdict(to_floor, TARGET_FLOOR)})",
        ),
        (
            p + "ratio_bitcoinlib",
            f"{to_lib:.3f}  (target >= {TARGET_BITCOINLIB}: {_verdict(to_lib, TARGET_BITCOINLIB)})",
        ),
        (p + "ratio_bitcoinlib_gethash", f"{to_lib_gethash:.3f}  (informational)"),
    ]


def report(result: HeadersRun) -> str:
    if result.mainnet is None:
        rows = [("headers.mainnet", f"ABSENT  ({result.mainnet_file} not found: regtest only)")]
    else:
        rows = _lines(result.mainnet)
    rows += _lines(result.regtest)
    rows.append(("headers.regtest.mine_s", f"{result.mined_s:.3f}  (mining, not timed)"))
    width = max(len(label) for label, _ in rows) + 1
    return "\n".join(f"{label:<{width}}{value}" for label, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--headers", type=int, default=100_000, help="at least this many")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mainnet-file", type=Path, default=MAINNET_FILE)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, best of {args.repeats}")
    print(report(run(args.headers, args.repeats, args.mainnet_file)))


if __name__ == "__main__":
    main()
