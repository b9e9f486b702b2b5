"""NetFlow documents: the JSON readers of ``ailee.netflow`` and what runs on them.

Input: a JSON object shaped as a NetFlow vector case (``operation``, ``relays``,
``tunnels``, ``receipts``, ``epoch``, ``record``, ``pool``, ``request``, ``policy``,
``statuses``). Property: every reader and operation returns or raises AileeError with
a documented code; accepted relays, tunnels and receipts are their own canonical JSON
(``relay_to_json(relay_from_json(v)) == v``, strictly).
"""

from __future__ import annotations

from typing import Any

from fuzz._harness import attempt, instrumented, main, round_trip, same

with instrumented():
    from ailee import netflow
    from ailee.fields import Form
    from ailee.jsoncodec import loads
    from ailee.state import TelemetryRecord, read_fields


def _read_list(doc: dict[str, Any], name: str, reader: Any, writer: Any) -> Any:
    if name not in doc:
        return None
    items = attempt(reader, doc[name])
    if items is not None:
        round_trip(same([writer(item) for item in items], doc[name]), f"{name} re-encode")
    return items


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    doc = attempt(loads, data)
    if not isinstance(doc, dict):
        return
    relays = _read_list(doc, "relays", netflow.relays_from_json, netflow.relay_to_json)
    _read_list(doc, "tunnels", netflow.tunnels_from_json, netflow.tunnel_to_json)
    receipts = _read_list(doc, "receipts", netflow.receipts_from_json, netflow.receipt_to_json)
    statuses = attempt(netflow.statuses_from_json, doc.get("statuses", []))
    request = attempt(netflow.request_from_json, doc.get("request"))
    policy = attempt(netflow.selection_policy_from_json, doc.get("policy"))
    if relays is not None and request is not None and statuses is not None:
        ranking = attempt(netflow.rank_relays, relays, request, policy, statuses)
        if ranking is not None:
            netflow.ranking_to_json(ranking)
    mesh = attempt(netflow.mesh_from_json, doc.get("relays"), doc.get("tunnels"))
    if mesh is None or receipts is None:
        return
    netflow.mesh_hash(mesh)
    epoch = attempt(netflow.epoch_from_json, doc.get("epoch"))
    if epoch is not None:
        settlement = attempt(netflow.settle, epoch, mesh, receipts)
        if settlement is not None:
            netflow.settlement_to_json(settlement)
            netflow.epoch_record(settlement)
    record = attempt(read_fields, TelemetryRecord, doc.get("record"), Form.JSON, "record")
    if record is not None:
        attempt(netflow.check_epoch, record, doc.get("pool"), mesh, receipts)


if __name__ == "__main__":
    main(TestOneInput)
