"""Policy files: ``ailee.policy.parse_policy`` in YAML, JSON and TOML.

Input: one byte choosing the format (``yaml``, ``json``, ``toml``, by its value mod
3), then the text. Property: parsing returns or raises AileeError with a documented
code; an accepted policy's canonical JSON (``policy_to_json``) reads back to a policy
with the same hash and the same canonical JSON (defaults are filled in, so the check
is on the canonical form, not the input bytes).
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip

with instrumented():
    from ailee.policy import parse_policy, policy_hash, policy_to_json

FORMATS = ("yaml", "json", "toml")


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    if not data:
        return
    policy = attempt(parse_policy, data[1:], FORMATS[data[0] % 3])
    if policy is None:
        return
    text = policy_to_json(policy)
    again = parse_policy(text, "json")
    round_trip(policy_hash(again) == policy_hash(policy), "canonical JSON changes the hash")
    round_trip(policy_to_json(again) == text, "policy_to_json is not a fixed point")


if __name__ == "__main__":
    main(TestOneInput)
