"""Fixtures: paths of the bundled datasets, and a C3D re-encoder for format tests.

The re-encoder rewrites an Intel, floating-point C3D file (as the bundled ones are)
byte by byte per the C3D specification, into

- the DEC processor type (parameter header byte 85; VAX F floats = the IEEE float
  with the exponent increased by 2 and its two 16-bit words swapped; integers
  little-endian as on Intel),
- the MIPS processor type (byte 86; everything big-endian),
- integer storage with **unsigned** 16-bit analog samples (ANALOG:FORMAT
  "UNSIGNED", ANALOG:OFFSET 32768, new ANALOG:SCALE and POINT:SCALE > 0).

It is independent of the reader under test (no C3D library involved).
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "datasets"

INTEL, DEC, MIPS = 84, 85, 86


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def walk_c3d() -> Path:
    return DATA / "walk.c3d"


@pytest.fixture(scope="session")
def running_c3d() -> Path:
    return DATA / "Running_0002.c3d"


@pytest.fixture(scope="session")
def walking2_c3d() -> Path:
    return DATA / "walking2.c3d"


@pytest.fixture(scope="session")
def rajagopal_trc() -> Path:
    return DATA / "Rajagopal_motion_capture_run.trc"


@pytest.fixture(scope="session")
def rajagopal_grf() -> Path:
    return DATA / "Rajagopal_grf_run.mot"


@pytest.fixture(scope="session")
def rajagopal_static() -> Path:
    return DATA / "Rajagopal_static_run.trc"


# ----------------------------------------------------------------------------- C3D parsing (Intel source)

def _parse_params(raw: bytes) -> list[dict]:
    """Parameter-section records of an Intel file, in file order."""
    start = 512 * (raw[0] - 1)
    end = start + 512 * raw[start + 2]
    pos, records = start + 4, []
    while pos < end:
        nchars, gid = struct.unpack_from("bb", raw, pos)
        if nchars == 0 or gid == 0:
            break
        name = raw[pos + 2:pos + 2 + abs(nchars)]
        offset = struct.unpack_from("<h", raw, pos + 2 + abs(nchars))[0]
        body_at = pos + 4 + abs(nchars)
        body_end = body_at + offset - 2 if offset > 0 else end
        rec = {"nchars": nchars, "gid": gid, "name": name.decode("latin-1").upper()}
        rec.update(_parse_body(raw[body_at:body_end], gid))
        records.append(rec)
        if offset <= 0:
            break
        pos = body_at + offset - 2
    return records


def _parse_body(body: bytes, gid: int) -> dict:
    if gid < 0:  # group: description only
        return {"desc": body[1:1 + body[0]]}
    ptype, ndims = struct.unpack_from("bB", body, 0)
    dims = list(body[2:2 + ndims])
    size = abs(ptype) * int(np.prod(dims)) if dims else abs(ptype)
    data = body[2 + ndims:2 + ndims + size]
    dlen = body[2 + ndims + size]
    return {"type": ptype, "dims": dims, "data": data, "desc": body[3 + ndims + size:3 + ndims + size + dlen]}


def _find(records, group: str, name: str):
    gids = [-r["gid"] for r in records if r["gid"] < 0 and r["name"] == group]
    return next((r for r in records if r["gid"] in gids and r["name"] == name), None), gids[0]


# ----------------------------------------------------------------------------- number encodings

def _floats_to(proc: int, values: np.ndarray) -> bytes:
    values = np.asarray(values, dtype="<f4")
    if proc == MIPS:
        return values.astype(">f4").tobytes()
    if proc == INTEL:
        return values.tobytes()
    bits = values.view("<u4").copy()
    zero = (bits & 0x7F800000) == 0
    bits = np.where(zero, 0, bits + np.uint32(0x01000000)).astype("<u4")  # exponent + 2
    swapped = ((bits >> 16) | (bits << 16)).astype("<u4")  # swap the 16-bit words
    return swapped.tobytes()


def _ints_to(proc: int, data: bytes) -> bytes:
    words = np.frombuffer(data, dtype="<i2")
    return words.astype(">i2").tobytes() if proc == MIPS else data


def _encode_param_data(proc: int, rec: dict) -> bytes:
    if rec["type"] == 4:
        return _floats_to(proc, np.frombuffer(rec["data"], dtype="<f4"))
    if rec["type"] == 2:
        return _ints_to(proc, rec["data"])
    return rec["data"]


def _encode_params(proc: int, records: list[dict], first4: bytes) -> bytes:
    h = ">h" if proc == MIPS else "<h"
    out = bytearray(first4[:2] + b"\x00" + bytes([proc]))
    for rec in records:
        name = rec["name"].encode("latin-1")
        if rec["gid"] < 0:
            rest = bytes([len(rec["desc"])]) + rec["desc"]
        else:
            rest = (struct.pack("bB", rec["type"], len(rec["dims"])) + bytes(rec["dims"])
                    + _encode_param_data(proc, rec) + bytes([len(rec["desc"])]) + rec["desc"])
        sign = -1 if rec["nchars"] < 0 else 1
        out += struct.pack("bb", sign * len(name), rec["gid"]) + name + struct.pack(h, len(rest) + 2) + rest
    out += b"\x00\x00"
    n_blocks = -(-len(out) // 512)
    out[2] = n_blocks
    return bytes(out) + b"\x00" * (512 * n_blocks - len(out))


def _encode_header(proc: int, header: bytes, data_block: int, point_scale: float) -> bytes:
    h = bytearray(header)
    fields = np.frombuffer(header[12:16] + header[20:24], dtype="<f4").copy()
    fields[0] = point_scale
    times = np.frombuffer(header[304:376], dtype="<f4")
    words = np.frombuffer(header[2:12] + struct.pack("<H", data_block) + header[18:20] + header[298:304], "<u2")
    endian = ">u2" if proc == MIPS else "<u2"
    w = words.astype(endian).tobytes()
    h[2:12], h[16:20], h[298:304] = w[0:10], w[10:14], w[14:20]
    f = _floats_to(proc, fields)
    h[12:16], h[20:24] = f[0:4], f[4:8]
    h[304:376] = _floats_to(proc, times)
    return bytes(h)


# ----------------------------------------------------------------------------- public helper

def _layout(raw: bytes, records: list[dict]):
    def value(group, name, fmt):
        rec, _ = _find(records, group, name)
        return np.frombuffer(rec["data"], dtype=fmt) if rec else None

    n_frames = struct.unpack_from("<H", raw, 8)[0] - struct.unpack_from("<H", raw, 6)[0] + 1
    n_points = int(value("POINT", "USED", "<i2")[0])
    n_analog = int(value("ANALOG", "USED", "<i2")[0]) if value("ANALOG", "USED", "<i2") is not None else 0
    per_frame = struct.unpack_from("<H", raw, 2 + 2)[0] // max(n_analog, 1)
    data_at = 512 * (struct.unpack_from("<H", raw, 16)[0] - 1)
    width = 4 * n_points + n_analog * per_frame
    frames = np.frombuffer(raw, dtype="<f4", count=n_frames * width, offset=data_at).reshape(n_frames, width)
    return frames, n_points, n_analog, per_frame


def convert_c3d(src: Path, dst: Path, processor: int = INTEL, unsigned_analog: bool = False,
                edits=()) -> Path:
    """Rewrite the Intel float C3D ``src`` as ``processor`` (84/85/86), optionally as
    integer storage with unsigned analog samples (Intel only).

    ``edits``: (group, name, type, Intel-encoded data bytes, dims) parameters to
    replace or add before encoding (type -1 char, 1 byte, 2 int16, 4 float).
    """
    raw = src.read_bytes()
    assert raw[512 * (raw[0] - 1) + 3] == INTEL, "source must be an Intel file"
    records = _parse_params(raw)
    for group, name, ptype, data, dims in edits:
        _set(records, group, name, ptype, data, dims)
    frames, n_points, n_analog, per_frame = _layout(raw, records)
    scale_rec, _ = _find(records, "POINT", "SCALE")
    point_scale = float(np.frombuffer(scale_rec["data"], "<f4")[0])
    assert point_scale < 0, "source must store floats"
    if unsigned_analog:
        data, point_scale = _to_unsigned_integers(records, frames, n_points, n_analog, per_frame)
    else:
        data = _floats_to(processor, frames.ravel())
    first4 = raw[512 * (raw[0] - 1):512 * (raw[0] - 1) + 4]
    params = _encode_params(processor, records, first4)
    data_block = raw[0] + len(params) // 512
    _set(records, "POINT", "DATA_START", 2, struct.pack("<h", data_block))
    params = _encode_params(processor, records, first4)
    header = _encode_header(processor, raw[:512], data_block, point_scale)
    dst.write_bytes(header + b"\x00" * (512 * (raw[0] - 1) - 512) + params + data
                    + b"\x00" * (-len(data) % 512))
    return dst


def _set(records, group, name, ptype, data, dims=None):
    rec, gid = _find(records, group, name)
    if rec is None:
        rec = {"nchars": len(name), "gid": gid, "name": name, "desc": b""}
        last = max(i for i, r in enumerate(records) if r["gid"] in (gid, -gid))
        records.insert(last + 1, rec)
    rec.update(type=ptype, data=data,
               dims=dims if dims is not None else ([len(data) // abs(ptype)] if rec.get("dims") else []))


def _to_unsigned_integers(records, frames, n_points, n_analog, per_frame):
    """Integer data section: int16 points, uint16 analog with offset 32768."""
    n = frames.shape[0]
    pts = frames[:, :4 * n_points].reshape(n, n_points, 4).astype(float)
    scale = float(np.abs(pts[:, :, :3]).max() / 30000.0)
    ipts = np.empty((n, n_points, 4), dtype="<i2")
    ipts[:, :, :3] = np.round(pts[:, :, :3] / scale)
    word = pts[:, :, 3]
    ipts[:, :, 3] = np.where(word < 0, -1, word.astype(np.int64) & 0x7FFF)
    _set(records, "POINT", "SCALE", 4, np.float32(scale).tobytes())
    ana = frames[:, 4 * n_points:].reshape(n, per_frame, n_analog).astype(float)
    old_scale = _analog_vector(records, "SCALE", "<f4", n_analog, 1.0)
    old_offset = _analog_vector(records, "OFFSET", "<i2", n_analog, 0.0)
    gen_rec, _ = _find(records, "ANALOG", "GEN_SCALE")
    gen = float(np.frombuffer(gen_rec["data"], "<f4")[0]) if gen_rec else 1.0
    values = (ana - old_offset) * old_scale * gen  # physical units
    peak = np.abs(values).reshape(-1, n_analog).max(axis=0)
    new_scale = np.where(peak > 0, peak / 30000.0, 1.0)
    counts = np.round(values / (new_scale * gen)) + 32768
    _set(records, "ANALOG", "SCALE", 4, new_scale.astype("<f4").tobytes(), [n_analog])
    _set(records, "ANALOG", "OFFSET", 2, np.full(n_analog, 32768, "<u2").tobytes(), [n_analog])
    _set(records, "ANALOG", "FORMAT", -1, b"UNSIGNED", [8])
    frames_out = [np.concatenate([ipts[i].view("<u2").ravel(), counts[i].astype("<u2").ravel()]) for i in range(n)]
    return np.concatenate(frames_out).astype("<u2").tobytes(), scale


def _analog_vector(records, name, fmt, n, default):
    rec, _ = _find(records, "ANALOG", name)
    if rec is None or not rec["data"]:
        return np.full(n, default)
    return np.frombuffer(rec["data"], fmt)[:n].astype(float)
