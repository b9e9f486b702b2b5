"""The snapshot store's reader: ``ailee.store.StoreReader`` over one data file.

Input: one mode byte, then (mode mod 3) 0: the whole data file (fuzzed file header);
1: the bytes after a valid file header; 2: ``pack(payload, payload, payload, ...)``
(up to 4), each framed as a record with a correct checksum, so that the payloads reach
the snapshot decoder. Property: ``latest``, ``get``, ``iterate`` and ``verify`` return
or raise AileeError with a documented code; the report's failures and damage carry
documented codes; every snapshot read re-encodes to its record's payload, byte for
byte.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from fuzz._harness import attempt, check_code, check_codes, instrumented, main, round_trip

with instrumented():
    from ailee.errors import AileeError
    from ailee.snapshot import snapshot_to_cbor
    from ailee.store import DATA_FILE, MAGIC, MAX_RECORD_BYTES, STORE_VERSION, StoreReader
    from ailee.store import encode_record as _encode_record

FILE_HEADER = MAGIC + STORE_VERSION.to_bytes(4, "big")
_SHM = "/dev/shm" if os.path.isdir("/dev/shm") else None
_DIR = tempfile.mkdtemp(prefix="ailee-fuzz-store-", dir=_SHM)
atexit.register(shutil.rmtree, _DIR, True)


def data_file(data: bytes) -> tuple[bytes, list[bytes]]:
    """The data file an input stands for, and the payloads it framed (mode 2)."""
    mode, rest = (data[0] % 3, data[1:]) if data else (0, b"")
    if mode == 0:
        return rest, []
    if mode == 1:
        return FILE_HEADER + rest, []
    payloads = []
    while rest and len(payloads) < 4:
        length = int.from_bytes(rest[:4], "big")
        payloads.append(rest[4 : 4 + length][:MAX_RECORD_BYTES])
        rest = rest[4 + length :]
    return FILE_HEADER + b"".join(_encode_record(p) for p in payloads), payloads


def encode_input(payloads: list[bytes]) -> bytes:
    """The mode-2 input framing ``payloads`` (for the seed corpus)."""
    return b"\x02" + b"".join(len(p).to_bytes(4, "big") + p for p in payloads)


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    content, payloads = data_file(data)
    with open(os.path.join(_DIR, DATA_FILE), "wb") as out:
        out.write(content)
    reader = attempt(StoreReader, _DIR)
    if reader is None:
        return
    attempt(reader.latest)
    attempt(reader.get, 0)
    try:
        for k, snapshot in enumerate(reader.iterate()):
            if k < len(payloads):
                round_trip(snapshot_to_cbor(snapshot) == payloads[k], "payload re-encoding")
    except AileeError as exc:
        check_code(exc)
    report = reader.verify()
    check_codes(report.failures)
    if report.damage is not None:
        check_code(report.damage.error)


if __name__ == "__main__":
    main(TestOneInput)
