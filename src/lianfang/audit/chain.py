"""Hashing and verification of the audit chain (pure functions, no queries)."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64

HASHED_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "person_id", "ip", "action",
    "object_type", "object_id", "object_repr", "unit_id", "changes",
)


def canonical(entry: dict) -> bytes:
    return json.dumps(
        {name: entry[name] for name in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
        default=str,
    ).encode()


def entry_hash(entry: dict, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify(entries: Iterable[dict], head_seq: int, head_hash: str) -> VerifyResult:
    """Walk entries in sequence order; the first entry that does not fit is named."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for entry in entries:
        if entry["seq"] != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"缺少序号为 {expected_seq} 的记录（已被删除或顺序被改动）")
        if entry["prev_hash"] != prev_hash:
            return VerifyResult(False, checked, entry["seq"], "前序哈希不符（记录被删除、插入或重排）")
        if entry_hash(entry, prev_hash) != entry["hash"]:
            return VerifyResult(False, checked, entry["seq"], "内容哈希不符（记录内容被改动）")
        prev_hash, expected_seq, checked = entry["hash"], expected_seq + 1, checked + 1
    if checked != head_seq or (checked and prev_hash != head_hash):
        return VerifyResult(False, checked, checked + 1, f"链尾不符：应有 {head_seq} 条记录，实有 {checked} 条（最新记录被删除或改动）")
    return VerifyResult(True, checked)
