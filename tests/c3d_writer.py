"""A small C3D writer for reader tests: writes the quirks labs' files carry, byte by byte.

Independent of the reader under test (only the C3D User Guide's layout): header, a
parameter section written in the order given (so a parameter may be written twice),
and a data section of integer or float samples for the Intel, DEC or MIPS processor.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

INTEL, DEC, MIPS = 84, 85, 86


def encode_floats(values, processor: int) -> bytes:
    values = np.asarray(values, dtype="<f4").ravel()
    if processor == MIPS:
        return values.astype(">f4").tobytes()
    if processor == INTEL:
        return values.tobytes()
    bits = values.view("<u4").copy()
    zero = (bits & 0x7F800000) == 0
    bits = np.where(zero, 0, bits + np.uint32(0x01000000)).astype("<u4")  # VAX: exponent + 2
    return ((bits >> 16) | (bits << 16)).astype("<u4").tobytes()       # 16-bit words swapped


def encode_words(values, processor: int, unsigned: bool = False) -> bytes:
    kind = "u2" if unsigned else "i2"
    return np.asarray(values).astype((">" if processor == MIPS else "<") + kind).tobytes()


def _param_record(name: str, gid: int, value, processor: int, pad: bytes) -> bytes:
    """One parameter: str -> char, list[str] -> 2-D char, float array -> type 4, int array -> type 2."""
    if isinstance(value, str):
        ptype, dims, data = -1, [len(value)], value.encode("latin-1")
    elif isinstance(value, list):
        width = max([len(s) for s in value] + [1])
        ptype, dims = -1, [width, len(value)]
        data = b"".join(s.encode("latin-1").ljust(width, pad) for s in value)
    else:
        arr = np.asarray(value)
        dims = list(arr.shape[::-1])
        if arr.dtype.kind == "f":
            ptype, data = 4, encode_floats(arr, processor)
        else:
            ptype, data = 2, encode_words(arr.astype(np.int64) % 65536, processor, unsigned=True)
    body = struct.pack("bB", ptype, len(dims)) + bytes(dims) + data + b"\x00"
    return _record(name, gid, body, processor)


def _record(name: str, gid: int, body: bytes, processor: int) -> bytes:
    nm = name.encode("latin-1")
    return struct.pack("bb", len(nm), gid) + nm + encode_words([len(body) + 2], processor) + body


def write_c3d(path: Path, points: np.ndarray, rate: float, analog: np.ndarray | None = None,
              analog_per_frame: int = 1, processor: int = INTEL, integer: bool = False,
              point_scale: float = 0.1, analog_scale=None, analog_offset=None, unsigned: bool = False,
              params=(), labels=None, units: str = "mm", pad: bytes = b" ", header_frames: int | None = None,
              header_events=()) -> Path:
    """Write ``points`` (n, P, 3; NaN = invalid) and ``analog`` (n * analog_per_frame, A, physical
    units) as a C3D file.  ``params``: (group, name, value) written after the standard ones, in
    order (duplicates allowed; a standard parameter named there is replaced).  Integer storage rounds to multiples of ``point_scale`` and
    analog to ``analog_scale`` counts above ``analog_offset``.  ``header_frames`` overrides the
    header's frame count (long files: 65535)."""
    n, n_points = points.shape[:2]
    analog = np.zeros((0, 0)) if analog is None else np.asarray(analog, float)
    n_analog = analog.shape[1] if analog.size else 0
    k = analog_per_frame if n_analog else 0
    scale = np.ones(n_analog) if analog_scale is None else np.asarray(analog_scale, float)
    offset = np.zeros(n_analog) if analog_offset is None else np.asarray(analog_offset, float)
    labels = labels or [f"M{i + 1}" for i in range(n_points)]
    std = [("POINT", "USED", np.array([n_points])), ("POINT", "RATE", np.array([rate], "f4")),
           ("POINT", "SCALE", np.array([point_scale if integer else -abs(point_scale)], "f4")),
           ("POINT", "FRAMES", np.array([min(n, 65535)])), ("POINT", "LABELS", labels), ("POINT", "UNITS", units),
           ("POINT", "DATA_START", np.array([0])),
           ("ANALOG", "USED", np.array([n_analog])), ("ANALOG", "RATE", np.array([rate * max(k, 1)], "f4")),
           ("ANALOG", "SCALE", scale.astype("f4")), ("ANALOG", "OFFSET", offset.astype(np.int64)),
           ("ANALOG", "GEN_SCALE", np.array([1.0], "f4")),
           ("ANALOG", "LABELS", [f"A{i + 1}" for i in range(n_analog)] or [""]),
           ("ANALOG", "FORMAT", "UNSIGNED" if unsigned else "SIGNED")]
    given = {(g, nm) for g, nm, _ in params}  # a standard parameter given in params replaces it
    entries = [e for e in std if (e[0], e[1]) not in given] + list(params)

    def section(data_block: int) -> bytes:
        groups: dict[str, int] = {}
        out = bytearray(b"\x01\x50\x00" + bytes([processor]))
        for group, _, _ in entries:
            if group not in groups:
                groups[group] = len(groups) + 1
                out += _record(group, -groups[group], b"\x00", processor)
        for group, name, value in entries:
            if (group, name) == ("POINT", "DATA_START"):
                value = np.array([data_block])
            out += _param_record(name, groups[group], value, processor, pad)
        out += b"\x00\x00"
        n_blocks = -(-len(out) // 512)
        out[2] = n_blocks
        return bytes(out) + b"\x00" * (512 * n_blocks - len(out))

    params_bytes = section(2 + len(section(99)) // 512)
    data_block = 2 + len(params_bytes) // 512
    header = _header(processor, n_points, n_analog, k, min(n, 65535) if header_frames is None else header_frames,
                     point_scale if integer else -abs(point_scale), data_block, rate, header_events)
    data = _data(points, analog, k, processor, integer, point_scale, scale, offset, unsigned)
    Path(path).write_bytes(header + params_bytes + data + b"\x00" * (-len(data) % 512))
    return Path(path)


def _header(processor, n_points, n_analog, k, n_frames, scale, data_block, rate, events) -> bytes:
    h = bytearray(512)
    h[0], h[1] = 2, 0x50
    h[2:12] = encode_words([n_points, n_analog * k, 1, n_frames, 0], processor, unsigned=True)
    h[12:16] = encode_floats([scale], processor)
    h[16:20] = encode_words([data_block, k], processor, unsigned=True)
    h[20:24] = encode_floats([rate], processor)
    if events:
        h[298:304] = encode_words([12345, len(events), 0], processor, unsigned=True)
        h[304:304 + 4 * len(events)] = encode_floats([t for _, t in events], processor)
        for i, (label, _) in enumerate(events):
            h[396 + 4 * i:400 + 4 * i] = label.encode("latin-1").ljust(4)[:4]
    return bytes(h)


def _data(points, analog, k, processor, integer, point_scale, scale, offset, unsigned) -> bytes:
    n, n_points = points.shape[:2]
    if n * n_points == 0 and not analog.size:
        return b""
    valid = np.all(np.isfinite(points), axis=2)
    word4 = np.where(valid, 0.0, -1.0)[:, :, None]
    xyz = np.where(valid[:, :, None], points, 0.0)
    n_analog = analog.shape[1] if analog.size else 0
    if integer:
        pts = np.concatenate([np.round(xyz / point_scale), word4], axis=2).reshape(n, -1)
        counts = np.round(analog / scale) + offset if n_analog else np.zeros((0, 0))
        ana = counts.reshape(n, k * n_analog) if n_analog else np.zeros((n, 0))
        pts_b = np.frombuffer(encode_words(pts, processor), dtype="u1").reshape(n, -1)
        ana_b = np.frombuffer(encode_words(ana, processor, unsigned=unsigned), dtype="u1").reshape(n, -1)
        return np.concatenate([pts_b, ana_b], axis=1).tobytes()
    pts = np.concatenate([xyz, word4], axis=2).reshape(n, -1)
    ana = ((analog / scale) + offset).reshape(n, k * n_analog) if n_analog else np.zeros((n, 0))
    return encode_floats(np.concatenate([pts, ana], axis=1), processor)
