"""The C3D header and parameter section, parsed here (the data section is decoded in C).

Format: Motion Lab Systems, "The C3D File Format User Guide" (2008).  The 512-byte
header holds 16-bit words (word 1: parameter block, 0x50; 2: points; 3: analog samples
per frame; 4-5: first and last frame; 7-8: POINT:SCALE; 9: data block; 10: analog
samples per channel per frame; 11-12: frame rate; 150-234: events).  The parameter
section is a chain of group and parameter records, each pointing to the next.

Every number follows the processor type written in the parameter section's fourth byte:
84 Intel (little-endian IEEE), 85 DEC (little-endian integers, VAX F floats: the IEEE
image with the exponent two higher and the 16-bit words swapped), 86 MIPS (big-endian).

Quirks handled here (each named in ``C3DParameters.quirks`` when met):

- ``duplicated_parameter``: a parameter written twice (Vicon calibration trials write
  PROCESSING twice).  **The first copy in file order wins**, always, for every group.
- ``duplicated_group``: one group name under two ids: their parameters are merged.
- ``padded_string``: strings padded with NUL bytes (Motion Analysis Cortex) as well as
  spaces: both are stripped from every string, label and unit.
- ``parameter_chain_repaired``: a record pointing outside the section: reading stops
  at the last intact record instead of refusing the file.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

import numpy as np

from .._errors import FormatError

PROCESSORS = {84: "Intel", 85: "DEC", 86: "MIPS"}
_HEADER_EVENT_KEY = 12345
_MAX_DIMS = 7  # the C3D guide's limit on a parameter's dimensions


# ----------------------------------------------------------------------------- numbers

def decode_floats(raw: bytes, processor: int) -> np.ndarray:
    """32-bit floats of ``processor`` (84, 85, 86) as float64."""
    if processor == 86:
        return np.frombuffer(raw, dtype=">f4").astype(float)
    if processor != 85:
        return np.frombuffer(raw, dtype="<f4").astype(float)
    words = np.frombuffer(raw, dtype="<u4")
    bits = (words >> 16) | (words << 16)
    exponent = ((bits >> 23) & 0xFF).astype(np.int64)
    mantissa = ((bits & 0x7FFFFF) | 0x800000).astype(float)
    value = np.ldexp(mantissa, exponent - 152) * np.where(bits >> 31, -1.0, 1.0)
    return np.where(exponent == 0, 0.0, value)  # VAX zero (the reserved operand also reads 0)


def decode_int16(raw: bytes, processor: int) -> np.ndarray:
    return np.frombuffer(raw, dtype=">i2" if processor == 86 else "<i2").astype(np.int64)


def clean_string(raw: bytes) -> str:
    """A C3D string without its NUL/space padding (latin-1: no byte can fail to decode)."""
    return raw.decode("latin-1").replace("\x00", " ").strip()


# ----------------------------------------------------------------------------- header

@dataclass
class C3DHeader:
    parameter_block: int
    processor: int
    n_points: int
    analog_per_frame_total: int
    first_frame: int
    last_frame: int
    point_scale: float
    data_block: int
    analog_per_frame: int
    frame_rate: float
    events: list = field(default_factory=list)  # (label, time_s) of the header's event section


def read_header(path, raw: bytes) -> C3DHeader:
    """The 512-byte header, checked enough to find the parameter section."""
    if len(raw) == 0:
        raise FormatError(path, "empty file")
    if len(raw) < 512:
        raise FormatError(path, f"truncated: {len(raw)} bytes, shorter than the 512-byte C3D header")
    if raw[1] != 0x50:
        raise FormatError(path, "not a C3D file (second byte is not 0x50)")
    start = 512 * (raw[0] - 1)
    if raw[0] < 2 or start + 4 > len(raw):
        raise FormatError(path, f"parameter section pointer (block {raw[0]}) is outside the file")
    processor = raw[start + 3]
    if processor not in PROCESSORS:
        raise FormatError(path, f"unknown processor type {processor} (expected 84 Intel, 85 DEC, 86 MIPS)")
    words = [int(w) for w in np.frombuffer(raw[:24], dtype=">u2" if processor == 86 else "<u2")]
    floats = decode_floats(raw[12:16] + raw[20:24], processor)
    return C3DHeader(parameter_block=raw[0], processor=processor, n_points=words[1],
                     analog_per_frame_total=words[2], first_frame=words[3], last_frame=words[4],
                     point_scale=float(floats[0]), data_block=words[8], analog_per_frame=words[9],
                     frame_rate=float(floats[1]), events=_header_events(raw, processor))


def _header_events(raw: bytes, processor: int) -> list:
    """Events of the header (words 150-234): up to 18 (label, time_s), displayed or not."""
    words = np.frombuffer(raw[298:304], dtype=">u2" if processor == 86 else "<u2")
    count = int(words[1])
    if words[0] != _HEADER_EVENT_KEY or not 0 < count <= 18:
        return []
    times = decode_floats(raw[304:304 + 4 * count], processor)
    labels = [clean_string(raw[396 + 4 * i:400 + 4 * i]) for i in range(count)]
    return [(lab, float(t)) for lab, t in zip(labels, times) if np.isfinite(t)]


# ----------------------------------------------------------------------------- parameters

@dataclass
class Parameter:
    dtype: int            # -1 char, 1 byte, 2 int16, 4 float
    dims: tuple
    data: bytes
    processor: int

    def numbers(self) -> np.ndarray | None:
        """Values as float64 in C order (the file's Fortran dims reversed), None for strings."""
        count = math.prod(self.dims)  # Python ints: a corrupt dims list must not wrap around
        if self.dtype == 4:
            values = decode_floats(self.data[:4 * count], self.processor)
        elif self.dtype == 2:
            values = decode_int16(self.data[:2 * count], self.processor).astype(float)
        elif self.dtype == 1:
            values = np.frombuffer(self.data[:count], dtype="i1").astype(float)
        else:
            return None
        if values.size != count:
            return None
        return values.reshape(self.dims[::-1]) if len(self.dims) > 1 else values.ravel()

    def strings(self) -> list[str]:
        """A char parameter as a list of strings (one per column of a 2-D array)."""
        if self.dtype != -1:
            return []
        if len(self.dims) <= 1:
            return [clean_string(self.data)]
        width = self.dims[0]
        if width == 0:
            return []
        return [clean_string(self.data[i:i + width]) for i in range(0, len(self.data) - width + 1, width)]


@dataclass
class C3DParameters:
    groups: dict = field(default_factory=dict)   # GROUP -> {NAME: Parameter}
    quirks: list = field(default_factory=list)   # (quirk name, detail)
    duplicated: list = field(default_factory=list)  # "GROUP:NAME" written more than once

    def get(self, key: str) -> Parameter | None:
        group, _, name = key.upper().partition(":")
        return self.groups.get(group, {}).get(name)

    def numbers(self, key: str) -> np.ndarray | None:
        prm = self.get(key)
        return None if prm is None else prm.numbers()

    def number(self, key: str, default=None):
        values = self.numbers(key)
        return float(values.ravel()[0]) if values is not None and values.size else default

    def strings(self, key: str) -> list[str]:
        prm = self.get(key)
        return [] if prm is None else prm.strings()

    def string(self, key: str, default: str = "") -> str:
        values = self.strings(key)
        return values[0] if values else default

    def counts(self, key: str) -> np.ndarray | None:
        """An int16 parameter read as unsigned (counts, channel numbers, blocks: never negative)."""
        values = self.numbers(key)
        prm = self.get(key)
        if values is None or prm is None:
            return None
        return values.astype(np.int64) % 65536 if prm.dtype == 2 else values.astype(np.int64)


def read_parameters(path, raw: bytes, header: C3DHeader) -> C3DParameters:
    """Every group and parameter of the section starting at the header's parameter block."""
    start = 512 * (header.parameter_block - 1)
    data_at = 512 * (header.data_block - 1)
    end = data_at if start < data_at <= len(raw) else len(raw)
    params = C3DParameters()
    group_names: dict[int, str] = {}
    pending: list[tuple[int, str, Parameter]] = []
    pos = start + 4
    fmt = ">h" if header.processor == 86 else "<h"
    while pos + 2 <= end:
        nchars, gid = struct.unpack_from("bb", raw, pos)
        if nchars == 0:
            break
        name_end = pos + 2 + abs(nchars)
        if name_end + 2 > end:
            params.quirks.append(("parameter_chain_repaired", f"record at byte {pos} runs past the section"))
            break
        name = clean_string(raw[pos + 2:name_end]).upper()
        offset = struct.unpack_from(fmt, raw, name_end)[0]
        body_end = name_end + offset if offset > 0 else end
        if body_end > end:
            params.quirks.append(("parameter_chain_repaired", f"{name}: next-record pointer outside the section"))
            body_end = end
        body = raw[name_end + 2:body_end]
        if gid < 0:
            _add_group(params, group_names, -gid, name)
        elif gid > 0:
            prm = _parse_parameter(body, header.processor)
            if prm is not None:
                pending.append((gid, name, prm))
        if offset <= 0 or body_end >= end:
            break
        pos = body_end
    for gid, name, prm in pending:  # groups may follow their parameters in the file
        _add_parameter(params, group_names.get(gid, f"GROUP{gid}"), name, prm)
    _note_nul_padding(params)
    return params


def _note_nul_padding(params: C3DParameters) -> None:
    """List the strings padded with NUL bytes (stripped by :func:`clean_string` like spaces)."""
    keys = [f"{g}:{n}" for g, prms in params.groups.items() for n, p in prms.items()
            if p.dtype == -1 and b"\x00" in p.data.rstrip(b" ")]
    if keys:
        params.quirks.append(("padded_string", "NUL-padded " + ", ".join(keys[:8]) + (" ..." if len(keys) > 8 else "")))


def _add_group(params: C3DParameters, group_names: dict, gid: int, name: str) -> None:
    if gid in group_names:
        return
    if name in group_names.values():
        params.quirks.append(("duplicated_group", f"{name} (ids merged)"))
    group_names[gid] = name
    params.groups.setdefault(name, {})


def _add_parameter(params: C3DParameters, group: str, name: str, prm: Parameter) -> None:
    params_of = params.groups.setdefault(group, {})
    if name in params_of:
        key = f"{group}:{name}"
        if key not in params.duplicated:
            params.duplicated.append(key)
            params.quirks.append(("duplicated_parameter", f"{key} (first copy wins)"))
        return
    params_of[name] = prm


def _parse_parameter(body: bytes, processor: int) -> Parameter | None:
    """type, dims, data of a parameter body; None when the body is too short to hold them."""
    if len(body) < 2:
        return None
    dtype, ndims = struct.unpack_from("bB", body, 0)
    if dtype not in (-1, 1, 2, 4) or ndims > _MAX_DIMS or len(body) < 2 + ndims:
        return None
    dims = tuple(body[2:2 + ndims])
    size = abs(dtype) * math.prod(dims)
    data = body[2 + ndims:2 + ndims + size]
    if len(data) < size:
        return None
    return Parameter(dtype=dtype, dims=dims, data=data, processor=processor)

