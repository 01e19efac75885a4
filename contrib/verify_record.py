#!/usr/bin/env python3
"""Verify a TrackRecord record without TrackRecord, written from docs/record-format.md alone.

Reads an embedded store (its directory, or its trackrecord.db alone) or an export archive
(.tar). Recomputes every chain: each run's events, with the points of metrics events
decoded from the stored chunks, each registry chain and the audit log; checks the chunks'
rows and levels of detail, every sign-off (needs the ``cryptography`` package) and the
artifacts' bytes. Never writes. Python 3.10+.

    python verify_record.py STORE [--public-key KEY.pem ...]
        [--checkpoint FILE --checkpoint-key CHECKPOINT-KEY.pem]

Prints one line per problem, then a summary; exits 0 if all holds, 1 if not, 2 if the
input cannot be read at all. With a checkpoint kept outside the store and the store's
checkpoint public key, also checks that the store's transparency log still extends it and
that every chain still holds what was logged (docs/transparency-log.md).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import sqlite3
import struct
import sys
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

GENESIS = "0" * 64
Event = tuple[str, Any, str]  # type, body, hash
Chain = tuple[bool, list[Event]]  # (no problem found in it, its events from seq 1)
Stored = tuple[Any, ...]  # seq, type, time, prev, body, points digests or None, hash


def canonical(value: Any) -> bytes:
    """Canonical JSON (section 1): sorted keys, no white space, UTF-8, tagged non-finite."""

    def tag(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return {"$float": repr(v)}  # "nan", "inf" or "-inf"
        if isinstance(v, dict):
            return {k: tag(x) for k, x in v.items()}
        return [tag(x) for x in v] if isinstance(v, list) else v

    return json.dumps(
        tag(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def sha(*parts: bytes) -> str:
    return hashlib.sha256(b"".join(parts)).hexdigest()


class Report:
    """The problems found, each with where it is, and how much was checked."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.counts = dict.fromkeys(
            ["runs", "events", "points", "registry", "audit", "sign-offs"], 0
        )

    def __call__(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def section(self, name: str, check: Any, *args: Any) -> Any:
        """Run one check; a store too damaged for it is a problem to report, never a crash."""
        try:
            return check(*args)
        except Exception as exc:
            self(name, f"cannot be checked ({type(exc).__name__}: {exc})")
            return None


def check_chain(chain: str, events: list[Stored], head: Any, report: Report) -> Chain:
    """Recompute a chain's hashes and links (sections 2, 3); *head* is its recorded head."""
    before, prev, out = len(report.problems), GENESIS, list[Event]()
    where = chain if ":" in chain else f"run {chain}"
    for n, (seq, type_, time, stored_prev, body, points, stored) in enumerate(events, 1):
        if seq != n:
            report(where, f"event {n} is missing (the next stored one is {seq})")
        if stored_prev != prev:
            report(f"{where} event {seq}", "its prev does not link to the event before it")
        envelope = dict(v=1, run=chain, seq=seq, type=type_, time=time, prev=stored_prev, body=body)
        if points:
            envelope["points"] = points
        if sha(canonical(envelope)) != stored:
            report(f"{where} event {seq}", f"its content does not match its hash ({type_} altered)")
        out.append((type_, body, stored))
        prev = stored
    if head is not None and tuple(head) != (len(events), prev):
        report(where, f"its recorded head {tuple(head)} is not its last event {len(events), prev}")
    return len(report.problems) == before, out


def inflate(data: bytes, size: int) -> bytes:
    """zlib-decompress exactly *size* bytes, never more, whatever the damage."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, size + 1)
    if len(out) != size or not inflater.eof or inflater.unused_data:
        raise ValueError(f"a compressed column does not hold {size} bytes")
    return out


def decode_ints(kind: int, width: int, payload: bytes, n: int) -> list[int]:
    """An integer column (section 6): kind 1 arithmetic, kind 2 deflated differences."""

    def wrap(x: int) -> int:  # int64 arithmetic wraps around
        return (x + 2**63) % 2**64 - 2**63

    if kind == 1 and width == 8 and len(payload) == 16:
        start, stride = struct.unpack("<qq", payload)
        return [wrap(start + stride * i) for i in range(n)]
    if kind == 2 and width in (1, 2, 4, 8) and n >= 2:
        code = {1: "b", 2: "h", 4: "i", 8: "q"}[width]
        out = [struct.unpack_from("<q", payload)[0]]
        for delta in struct.unpack(f"<{n - 1}{code}", inflate(payload[8:], (n - 1) * width)):
            out.append(wrap(out[-1] + delta))
        return out
    raise ValueError(f"an integer column of unknown encoding (kind {kind}, width {width})")


def decode_chunk(blob: bytes) -> tuple[list[int], bytes, list[int]]:
    """A chunk's steps, values (their raw little-endian bytes, for the digest) and times."""
    magic, n = struct.unpack_from("<4sI", blob)
    if magic != b"TRC1":
        raise ValueError("bad magic bytes (not TRC1)")
    offset, columns = 8, []
    for _ in range(3):
        kind, width, size = struct.unpack_from("<BBI", blob, offset)
        columns.append((kind, width, blob[offset + 6 : offset + 6 + size]))
        offset += 6 + size
    if offset != len(blob):
        raise ValueError(f"the columns end at byte {offset} of {len(blob)}")
    if columns[1][:2] != (3, 8):
        raise ValueError(f"a value column of unknown encoding {columns[1][:2]}")
    planes, raw = inflate(columns[1][2], 8 * n), bytearray(8 * n)
    for byte in range(8):  # plane j holds byte j (least significant first) of every value
        raw[byte::8] = planes[byte * n : (byte + 1) * n]
    return decode_ints(*columns[0], n), bytes(raw), decode_ints(*columns[2], n)


def level_of_detail(steps: list[int], values: tuple[float, ...]) -> list[tuple[Any, ...]]:
    """Groups of ceil(n/64) points in stable step order: start, end, count, first, last,
    min, max (min and max ignore NaN)."""
    size, order, groups = -(-len(steps) // 64), sorted(range(len(steps)), key=steps.__getitem__), []
    for start in range(0, len(order), size):
        ids = order[start : start + size]
        vs = [values[i] for i in ids]
        finite = [v for v in vs if v == v] or [math.nan]
        groups.append(
            (steps[ids[0]], steps[ids[-1]], len(ids), vs[0], vs[-1], min(finite), max(finite))
        )
    return groups


def check_lod(where: str, lod: bytes, steps: list[int], raw: bytes, report: Report) -> None:
    values = struct.unpack(f"<{len(steps)}d", raw)
    expected = level_of_detail(steps, values) if len(steps) > 64 else []
    g = len(expected)
    if len(lod) != 56 * g:
        return report(where, f"its level of detail has {len(lod)} bytes, not {56 * g}")
    columns = [struct.unpack_from(f"<{g}{c}", lod, 8 * g * i) for i, c in enumerate("qqqdddd")]
    for stored, wanted in zip(zip(*columns, strict=True), expected, strict=True):
        if not all(a == b or (a != a and b != b) for a, b in zip(stored, wanted, strict=True)):
            return report(where, f"its level of detail says {stored}, its points {wanted}")
    return None


def read_series(db: sqlite3.Connection, run: str, report: Report) -> dict[str, list[Any]]:
    """Each metric's points (steps, raw values, times), its chunks decoded and checked."""
    series: dict[str, list[Any]] = {}
    sql = "SELECT key, first_index, count, step_min, step_max, points, lod FROM metric_chunks"
    for key, first, count, low, high, blob, lod in db.execute(
        f"{sql} WHERE run_id = ? ORDER BY key, first_index", (run,)
    ):
        where = f"run {run} metric {key!r} chunk at point {first}"
        steps, raw, times = series.setdefault(key, [[], b"", []])
        try:
            s, r, t = decode_chunk(bytes(blob))
        except (ValueError, struct.error, zlib.error) as exc:
            report(where, f"cannot be decoded: {exc}")
            continue
        if (first, count, low, high) != (len(steps), len(s), min(s), max(s)):
            report(where, f"its row says {count} points from {first}, steps {low}..{high}; "
                   f"it holds {len(s)} from {len(steps)}, steps {min(s)}..{max(s)}")  # fmt: skip
        check_lod(where, bytes(lod), s, r, report)
        series[key] = [steps + s, raw + r, times + t]
    return series


def i64(column: list[int]) -> bytes:
    return struct.pack(f"<{len(column)}q", *column)


def check_run(db: sqlite3.Connection, run: str, head: Any, report: Report) -> Chain:
    """A run's chain, each event's points taken in turn from its series (section 5)."""
    series, used, events = read_series(db, run, report), dict[str, int](), list[Stored]()
    sql = "SELECT seq, type, time, body, points, prev_hash, hash FROM events WHERE run_id = ?"
    for seq, type_, time, body, counts, prev, stored in db.execute(f"{sql} ORDER BY seq", (run,)):
        digests = {}
        try:
            for key, n in (json.loads(counts) if counts else {}).items():
                steps, raw, times = series.get(key, [[], b"", []])
                at = used[key] = used.get(key, 0) + n
                if at > len(steps):
                    report(
                        f"run {run} event {seq}", f"has {at} points of {key!r}; {len(steps)} stored"
                    )
                part = slice(at - n, at)
                digest = sha(i64(steps[part]), raw[8 * (at - n) : 8 * at], i64(times[part]))
                digests[key] = {"n": n, "sha256": digest}
                report.counts["points"] += n
            events.append((seq, type_, time, prev, json.loads(body), digests, stored))
        except (ValueError, TypeError, AttributeError) as exc:
            report(f"run {run} event {seq}", f"cannot be read: {exc}")
    for key, (steps, _, _) in series.items():
        if used.get(key, 0) != len(steps):
            report(
                f"run {run} metric {key!r}",
                f"{len(steps)} points stored, {used.get(key, 0)} logged",
            )
    report.counts["events"] += len(events)
    return check_chain(run, events, head, report)


def check_run_id(run: str, report: Report) -> None:
    """A run id is 26 lowercase Crockford base32 digits (section 2): never a registry id."""
    if len(run) != 26 or run.strip("0123456789abcdefghjkmnpqrstvwxyz"):
        report(f"run {run}", "its id is not a run id (26 lowercase Crockford base32 digits)")


def check_runs(db: sqlite3.Connection, report: Report) -> dict[str, Chain]:
    heads = {r: (s, h) for r, s, h in db.execute("SELECT id, head_seq, head_hash FROM runs")}
    ids = set(heads) | {r for (r,) in db.execute("SELECT DISTINCT run_id FROM events")}
    chains: dict[str, Chain] = {}
    for run in sorted(ids):
        check_run_id(run, report)
        if run not in heads:
            report(f"run {run}", "has events but no row in the runs table")
        chain = report.section(f"run {run}", check_run, db, run, heads.get(run), report)
        chains[run] = chain or (False, [])
    report.counts["runs"] = len(chains)
    return chains


def check_registry(db: sqlite3.Connection, report: Report) -> dict[str, Chain]:
    heads = {
        m: (s, h)
        for m, s, h in db.execute("SELECT name, head_seq, head_hash FROM registered_models")
    }
    models: dict[str, list[Stored]] = {m: [] for m in heads}
    sql = "SELECT model, seq, type, time, body, prev_hash, hash FROM registry_events"
    for model, seq, type_, time, body, prev, stored in db.execute(f"{sql} ORDER BY model, seq"):
        models.setdefault(model, []).append(
            (seq, type_, time, prev, json.loads(body), None, stored)
        )
    report.counts["registry"] = len(models)
    return {
        f"registry:{m}": check_chain(f"registry:{m}", e, heads.get(m, ()), report)
        for m, e in models.items()
    }


def check_audit(db: sqlite3.Connection, report: Report) -> dict[str, Chain]:
    """The audit log (section 7): H(prev hash as hex text || canonical JSON of the entry)."""
    before, prev, last, out = len(report.problems), GENESIS, 0, list[Event]()
    names = ("seq", "time", "actor", "action", "target", "source", "status", "prev_hash")
    for *fields, stored in db.execute(
        f"SELECT {', '.join(names)}, hash FROM audit_log ORDER BY seq"
    ):
        entry = dict(zip(names, fields, strict=True))
        if entry["seq"] != last + 1 or entry["prev_hash"] != prev:  # a gap is named once
            report(f"audit log entry {entry['seq']}", f"does not follow entry {last}")
        if sha(str(entry["prev_hash"]).encode(), canonical(entry)) != stored:
            report(f"audit log entry {entry['seq']}", "its content does not match its hash")
        out.append(("audit", entry, stored))
        prev, last = stored, int(entry["seq"])
    report.counts["audit"] = len(out)
    return {"audit": (len(report.problems) == before, out)}


def signed_records(target: str, chains: dict[str, Chain]) -> list[tuple[bool, str]]:
    """The records a sign-off's target names (section 8): (chain intact, record hash) each."""
    kind, _, rest = target.partition(":")
    if kind == "document":
        return [(True, rest)]  # the document's SHA-256: hash the file to tie it to one
    if kind == "run":
        return [
            (ok, events[-1][2] if events else "") for c, (ok, events) in chains.items() if c == rest
        ]
    name, _, version = rest.rpartition("/")
    found = []
    for chain, (ok, events) in chains.items():
        for type_, body, digest in events:
            if not isinstance(body, dict) or chain == "audit":
                continue
            model = (kind, chain, type_) == ("model", f"registry:{name}", "version.create")
            evaluation = (kind, type_) == ("evaluation", "evaluation")
            if (model and str(body.get("version")) == version) or (
                evaluation and body.get("id") == rest
            ):
                found.append((ok, digest))
    return found


def check_signoffs(
    db: sqlite3.Connection, chains: dict[str, Chain], pems: list[Path], report: Report
) -> None:
    """Each sign-off: its key, its Ed25519 signature, and the record it names as it is now."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    sql = "SELECT id, user_name, public_key, revoked_at FROM signing_keys"
    keys = {k: (user, base64.b64decode(pk), revoked) for k, user, pk, revoked in db.execute(sql)}
    if pems:  # only the keys the auditor trusts, not those the store lists
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        keys = {
            sha(r)[:16]: (None, r, None)
            for r in (
                serialization.load_pem_public_key(p.read_bytes()).public_bytes(*raw) for p in pems
            )
        }
    sql = "SELECT id, target, record_hash, key_id, signer, meaning, signature, time FROM signatures"
    for sid, target, signed, kid, signer, meaning, signature, time in db.execute(sql):
        where = f"sign-off {sid} ({meaning} of {target} by {signer})"
        records = signed_records(target, chains)
        report.counts["sign-offs"] += 1
        user, raw_key, revoked = keys.get(kid, (None, b"", None))
        if sha(raw_key)[:16] != kid:
            report(where, f"key {kid} is not known, or is not the key its id names")
            continue
        if user is not None and user != signer:
            report(where, f"signed as {signer!r} with a key of {user!r}")
        if revoked is not None and revoked <= time:
            report(where, f"key {kid} had been revoked when it signed")
        message = canonical(
            dict(v=1, target=target, record_hash=signed, meaning=meaning, signer=signer, time=time)
        )
        try:
            Ed25519PublicKey.from_public_bytes(raw_key).verify(
                base64.b64decode(signature, validate=True), message
            )
        except (InvalidSignature, ValueError):
            report(where, "the signature does not verify (it or its signed fields were altered)")
        if len(records) != 1:
            report(where, f"the signed record is not in the store ({len(records)} found)")
        elif not records[0][0]:
            report(where, "the signed record's chain is broken (see above)")
        elif records[0][1] != signed:
            report(where, "the record changed after it was signed")


def check_artifacts(
    chains: dict[str, Chain], open_content: Callable[[str], IO[bytes] | None], report: Report
) -> None:
    """Every content an artifact event names must be there and hash to its name."""
    named = {f["sha256"]: (c, f["path"]) for c, (_, events) in chains.items() if ":" not in c
             for t, b, _ in events if t == "artifact" for f in b["files"]}  # fmt: skip
    for digest, (run, path) in sorted(named.items()):
        if len(digest) != 64 or digest.strip("0123456789abcdef"):
            report(f"run {run} artifact {path!r}", f"{digest!r} is not a SHA-256")
            continue
        content, hasher = open_content(digest), hashlib.sha256()
        if content is None:
            report(f"run {run} artifact {path!r}", f"its content {digest} is missing")
            continue
        with content:
            while block := content.read(1 << 20):
                hasher.update(block)
        if hasher.hexdigest() != digest:
            report(f"run {run} artifact {path!r}", f"its content does not hash to {digest}")


def read_frames(data: bytes, run: str, report: Report) -> list[Stored]:
    """An archived run's events, framed as in the spool (section 10)."""
    events, offset = list[Stored](), 0
    while offset < len(data):
        magic, size, crc = struct.unpack_from("<4sII", data, offset)
        payload = data[offset + 12 : offset + 12 + size]
        if magic != b"TRS1" or len(payload) != size or zlib.crc32(payload) != crc:
            report(f"run {run}", f"a damaged record frame at byte {offset} of its events")
            break
        (length,) = struct.unpack_from("<I", payload)
        meta, at, digests = json.loads(payload[4 : 4 + length]), 4 + length, {}
        for key, n in meta["points"]:  # steps, values, times: laid out as the digest hashes them
            digests[key] = {"n": n, "sha256": sha(payload[at : at + 24 * n])}
            at += 24 * n
            report.counts["points"] += n
        if at != len(payload) or meta["run"] != run:
            report(f"run {run} event {meta['seq']}", "its frame holds other points, or another run")
        fields = (meta[name] for name in ("seq", "type", "time", "prev", "body"))
        events.append((*fields, digests, meta["hash"]))
        offset += 12 + size
    return events


def check_archive(path: Path, report: Report) -> dict[str, Chain]:
    chains: dict[str, Chain] = {}
    with tarfile.open(path) as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}

        def content(name: str) -> IO[bytes] | None:
            return tar.extractfile(members[name]) if name in members else None

        manifest = json.loads((content("manifest.json") or io.BytesIO(b"{}")).read())
        if (manifest.get("format"), manifest.get("format_version")) != ("trackrecord-archive", 1):
            raise ValueError("not a TrackRecord archive of format version 1")
        for entry in manifest["runs"]:
            run, data = entry["id"], content(f"runs/{entry['id']}.events")
            check_run_id(run, report)
            events = report.section(
                f"run {run}", read_frames, data.read() if data else b"", run, report
            )
            chains[run] = check_chain(run, events or [], (entry["events"], entry["head"]), report)
            report.counts["events"] += len(events or [])
        report.counts["runs"] = len(chains)

        def artifact(digest: str) -> IO[bytes] | None:
            return content(f"artifacts/sha256/{digest}")

        report.section("artifacts", check_artifacts, chains, artifact, report)
    return chains


def check_logged_heads(
    chains: dict[str, Chain], leaves: list[dict[str, Any]], report: Report
) -> None:
    """Extension point for the transparency log (docs/transparency-log.md, step 4): each leaf
    of a checkpoint -- its signature and proofs verified first, with that page's code --
    names a chain that must still hold event ``seq`` with hash ``hash``."""
    for leaf in leaves:
        chain = "audit" if leaf["kind"] == "audit" else leaf["chain"]
        events = chains.get(chain, (False, []))[1]
        if not 0 < leaf["seq"] <= len(events) or events[leaf["seq"] - 1][2] != leaf["hash"]:
            report(f"log leaf of {chain}", f"event {leaf['seq']} ({leaf['hash'][:12]}) is gone")


def merkle_root(hashes: list[bytes]) -> bytes:
    """RFC 6962 MTH over leaf hashes (docs/transparency-log.md, "Hashing the tree")."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)  # the largest power of two < n
    return hashlib.sha256(b"\x01" + merkle_root(hashes[:k]) + merkle_root(hashes[k:])).digest()


def check_checkpoint(
    db: sqlite3.Connection, chains: dict[str, Chain], file: Path, pem: Path, report: Report
) -> None:
    """A checkpoint kept outside the store (docs/transparency-log.md, "Verifying a store
    against a kept checkpoint"): its signature by *pem*, the store's log at least as long,
    the root of its first ``size`` leaves, and each chain's last logged head still there."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    where = f"checkpoint {file.name}"
    point = json.loads(file.read_text(encoding="utf-8"))
    signed = canonical({k: point[k] for k in ("type", "v", "origin", "size", "root", "time")})
    try:
        load_pem_public_key(pem.read_bytes()).verify(  # type: ignore[union-attr,call-arg]
            base64.b64decode(point["signature"]), signed
        )
    except (InvalidSignature, ValueError):
        return report(where, "its signature does not verify with the key given: altered or forged")
    sql = "SELECT kind, chain, seq, hash, time FROM log_leaves ORDER BY idx"
    leaves = [dict(zip(("kind", "chain", "seq", "hash", "time"), row, strict=True)) | {"v": 1}
              for row in db.execute(sql)]  # fmt: skip
    if len(leaves) < point["size"]:
        return report(where, f"the store's log has {len(leaves)} leaves, fewer than its "
                      f"{point['size']}: the store was rolled back or the log cut")  # fmt: skip
    leaves = leaves[: point["size"]]
    if (
        merkle_root([bytes.fromhex(sha(b"\x00", canonical(x))) for x in leaves]).hex()
        != point["root"]
    ):
        return report(where, "the store's log does not have its root: something logged up to "
                      "it was removed or rewritten")  # fmt: skip
    purged = {json.loads(body)["run"] for (body,) in db.execute(
        "SELECT body FROM ledger_events WHERE type = 'run.purge'")}  # fmt: skip
    ledger = dict(db.execute("SELECT seq, hash FROM ledger_events"))  # stored hashes only
    last = {(x["kind"], x["chain"]): x for x in leaves}
    for (kind, chain), leaf in sorted(last.items()):
        if kind == "ledger":
            if ledger.get(leaf["seq"]) != leaf["hash"]:
                report("log leaf of ledger", f"event {leaf['seq']} ({leaf['hash'][:12]}) is gone")
        elif not (kind == "run" and chain in purged and chain not in chains):
            check_logged_heads(chains, [leaf], report)


def stored_artifact(store: Path) -> Callable[[str], IO[bytes] | None]:
    """Opens a content of the store's artifacts directory (section 5), if it is there."""

    def open_content(digest: str) -> IO[bytes] | None:
        file = store / "artifacts" / "sha256" / digest[:2] / digest
        return file.open("rb") if file.is_file() else None

    return open_content


def verify(
    path: Path, pems: list[Path], report: Report, checkpoint: tuple[Path, Path] | None = None
) -> dict[str, Chain]:
    """Check the store or archive at *path*; the chains recomputed, by id."""
    if path.is_file() and tarfile.is_tarfile(path):
        return check_archive(path, report)
    database = path / "trackrecord.db" if path.is_dir() else path
    if not database.is_file():
        raise ValueError("not a store directory, a trackrecord.db or an export archive")
    db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        chains = report.section("runs", check_runs, db, report) or {}
        chains.update(report.section("registry", check_registry, db, report) or {})
        chains.update(report.section("audit log", check_audit, db, report) or {})
        report.section("sign-offs", check_signoffs, db, chains, pems, report)
        if path.is_dir():
            report.section("artifacts", check_artifacts, chains, stored_artifact(path), report)
        if checkpoint is not None:
            report.section("checkpoint", check_checkpoint, db, chains, *checkpoint, report)
    finally:
        db.close()
    return chains


UNREADABLE = (OSError, ValueError, LookupError, TypeError, AttributeError, sqlite3.Error,
              tarfile.TarError)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a TrackRecord store or export archive.")
    parser.add_argument(
        "source", type=Path, help="a store directory, its trackrecord.db, or a .tar"
    )
    parser.add_argument(
        "--public-key", action="append", default=[], type=Path, help="trust only this key (PEM)"
    )
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint file kept outside it")
    parser.add_argument("--checkpoint-key", type=Path, help="the store's checkpoint key (PEM)")
    args, report = parser.parse_args(argv), Report()
    if bool(args.checkpoint) != bool(args.checkpoint_key):
        parser.error("--checkpoint and --checkpoint-key go together")
    kept = (args.checkpoint, args.checkpoint_key) if args.checkpoint else None
    try:
        verify(args.source, args.public_key, report, kept)
    except UNREADABLE as exc:
        print(f"CANNOT VERIFY {args.source}: {type(exc).__name__}: {exc}")
        return 2
    for problem in report.problems:
        print(f"PROBLEM {problem}")
    checked = ", ".join(f"{n} {what}" for what, n in report.counts.items())
    print(
        f"FAILED: {len(report.problems)} problems ({checked})"
        if report.problems
        else f"OK ({checked})"
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
