"""Snapshot documents: ``ailee.snapshot.read_snapshot`` (JSON and CBOR) and
``ailee.verify.check_snapshot_bytes``.

Property: reading returns or raises AileeError with a documented code; checking never
raises and every failed check carries a documented code. An accepted CBOR input
re-encodes to itself byte for byte; an accepted JSON input re-encodes to the same
snapshot (its canonical JSON reads back to the same canonical CBOR, and is a fixed
point).
"""

from __future__ import annotations

from fuzz._harness import attempt, check_codes, instrumented, main, round_trip

with instrumented():
    from ailee.snapshot import read_snapshot, snapshot_to_cbor, snapshot_to_json
    from ailee.verify import check_snapshot_bytes


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    result = check_snapshot_bytes("fuzz", data)
    check_codes(result.checks)
    snapshot = attempt(read_snapshot, data)
    if snapshot is None:
        return
    cbor = snapshot_to_cbor(snapshot)
    if 0xA0 <= data[0] <= 0xBF:
        round_trip(cbor == data, "snapshot_to_cbor(read_snapshot(cbor)) != cbor")
        return
    text = snapshot_to_json(snapshot)
    again = read_snapshot(text.encode("utf-8"))
    round_trip(snapshot_to_cbor(again) == cbor, "canonical JSON reads to another snapshot")
    round_trip(snapshot_to_json(again) == text, "snapshot_to_json is not a fixed point")


if __name__ == "__main__":
    main(TestOneInput)
