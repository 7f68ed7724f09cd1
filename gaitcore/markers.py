"""Marker-name aliases: map the spellings of different labs to Plug-in-Gait names.

Labs name the same anatomical landmark differently (``LASI``, ``LASIS``,
``L.ASIS``, ``L_ASIS`` ...; ``LPSI``, ``LPSIS``, ``LBackAsis`` ...).  Every
reader of :mod:`gaitcore.io` renames markers to the canonical Plug-in-Gait
names of :data:`MARKER_ALIASES`, so analyses can ask for ``"LASI"`` whatever
the lab wrote.

Matching ignores case, the separators ``.``, ``_``, ``-`` and spaces, and a
``Subject:`` prefix (Vicon writes ``Subject:LASI`` when subject prefixes are on).
Names that match no alias are kept unchanged.

Example
-------
>>> from gaitcore.markers import canonical_marker_name
>>> canonical_marker_name("L.ASIS")
'LASI'
>>> canonical_marker_name("Jane:LBackAsis")
'LPSI'
>>> canonical_marker_name("LFOOT_CLUSTER")      # unknown: kept as it is
'LFOOT_CLUSTER'
>>> canonical_marker_name("LHeel", aliases={"LHEEL_LAB": ("LHeel",)})
'LHEEL_LAB'
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ._errors import InputTypeError

__all__ = ["MARKER_ALIASES", "canonical_marker_name", "rename_markers", "normalize_marker_key"]

# Side-free spellings of bilateral landmarks: canonical suffix -> spellings (without the side letter).
_BILATERAL: dict[str, tuple[str, ...]] = {
    "ASI": ("ASI", "ASIS", "Asis", "AntSupIliacSpine", "IAS"),
    "PSI": ("PSI", "PSIS", "Psis", "BackAsis", "BackASIS", "PostSupIliacSpine", "IPS"),
    "THI": ("THI", "Thigh", "THIGH", "Thi"),
    "KNE": ("KNE", "KneeLat", "Knee.Lat", "KNEL", "KNEE", "Knee", "LFC", "FLE", "LatKnee", "LatEpicondyle", "LEPI"),
    "KNM": ("KNM", "KneeMed", "Knee.Med", "KNEM", "MFC", "FME", "MedKnee", "MedEpicondyle", "MEPI"),
    "TIB": ("TIB", "Tibia", "Shank", "SHN", "Tib"),
    "ANK": ("ANK", "AnkleLat", "Ankle.Lat", "Ankle", "ANKL", "LMAL", "LM", "FAL", "LatMall", "LatMalleolus", "LMALL"),
    "MED": ("MED", "AnkleMed", "Ankle.Med", "ANKM", "MMAL", "MM", "TAM", "MedMall", "MedMalleolus", "MMALL"),
    "HEE": ("HEE", "Heel", "HEEL", "CAL", "Calc", "FCC"),
    "TOE": ("TOE", "Toe", "MT2", "FM2", "MH2"),
    "MT1": ("MT1", "MET1", "FM1", "MH1", "Meta1"),
    "MT5": ("MT5", "MET5", "FM5", "MH5", "VMH", "Meta5"),
}

# Midline landmarks: canonical -> spellings.
_MIDLINE: dict[str, tuple[str, ...]] = {
    "SACR": ("SACR", "Sacrum", "SACRUM", "S1", "Sacral", "V.Sacral"),
    "C7": ("C7", "VC7", "Cervical7", "CV7"),
    "T10": ("T10", "VT10", "Thoracic10", "TV10"),
    "CLAV": ("CLAV", "Clav", "Clavicle", "IJ", "Jugular", "SJN", "SNJ"),
    "STRN": ("STRN", "Sternum", "STER", "PX", "Xiphoid", "SXS"),
}

_SIDES = (("L", "Left", "l"), ("R", "Right", "r"))


def _side_spellings(letter: str, word: str, base: str) -> tuple[str, ...]:
    """Common ways of writing a sided landmark, e.g. ``LASIS``, ``L.ASIS``, ``L_ASIS``, ``LeftASIS``."""
    return (f"{letter}{base}", f"{letter}.{base}", f"{letter}_{base}", f"{word}{base}", f"{base}_{letter}")


def _build_default_aliases() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for suffix, spellings in _BILATERAL.items():
        for letter, word, _ in _SIDES:
            names: list[str] = []
            for base in spellings:
                names.extend(s for s in _side_spellings(letter, word, base) if s not in names)
            table[letter + suffix] = tuple(names)
    table.update(_MIDLINE)
    return table


#: Canonical Plug-in-Gait marker name -> tuple of spellings found in other labs' files.
#: Matching is case-insensitive and ignores ``. _ - `` and spaces and a ``Subject:`` prefix.
MARKER_ALIASES: dict[str, tuple[str, ...]] = _build_default_aliases()

_SEPARATORS = re.compile(r"[\s._\-]+")


def normalize_marker_key(name: str) -> str:
    """The matching key of a marker name: no ``Subject:`` prefix, no separators, upper case.

    >>> normalize_marker_key("Subject01:L.Knee_Lat")
    'LKNEELAT'
    """
    name = str(name).strip()
    if ":" in name:
        name = name.rsplit(":", 1)[1]
    return _SEPARATORS.sub("", name).upper()


def _lookup_table(aliases: Mapping[str, Iterable[str]] | None) -> dict[str, str]:
    """Normalised spelling -> canonical name; user entries override the default ones."""
    if aliases is not None and not isinstance(aliases, Mapping):
        raise InputTypeError(f"aliases must be a mapping canonical name -> spellings, got {type(aliases).__name__}")
    table: dict[str, str] = {}
    for source in (MARKER_ALIASES, aliases or {}):
        for canonical, spellings in source.items():
            if isinstance(spellings, str):
                spellings = (spellings,)
            for spelling in (canonical, *spellings):
                table[normalize_marker_key(spelling)] = canonical
    return table


_default: list = [None, {}]  # [fingerprint of MARKER_ALIASES, its lookup table]


def _default_table() -> dict[str, str]:
    """The lookup table of MARKER_ALIASES as it is now (a user may have edited it since import)."""
    fingerprint = tuple((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in MARKER_ALIASES.items())
    if _default[0] != fingerprint:
        _default[:] = [fingerprint, _lookup_table(None)]
    return _default[1]


def canonical_marker_name(name: str, aliases: Mapping[str, Iterable[str]] | None = None) -> str:
    """Canonical (Plug-in-Gait) name of a marker, or ``name`` unchanged when no alias matches.

    Parameters
    ----------
    name : str
        Marker label as written in a file (``"L.ASIS"``, ``"Subj:LBackAsis"`` ...).
    aliases : mapping canonical -> iterable of spellings, optional
        Extra aliases; they extend :data:`MARKER_ALIASES` and win over it when a
        spelling appears in both.

    >>> canonical_marker_name("r_asis")
    'RASI'
    """
    if not isinstance(name, str):
        raise InputTypeError(f"name must be a str, got {type(name).__name__}")
    table = _default_table() if not aliases else _lookup_table(aliases)
    return table.get(normalize_marker_key(name), name)


def rename_markers(markers: Mapping[str, object], aliases: Mapping[str, Iterable[str]] | None = None) -> dict:
    """Return a new dict with canonical marker names as keys (order kept).

    When two labels map to the same canonical name (e.g. a file with both
    ``LTOE`` and ``LMT2``), the label already spelled canonically keeps the name
    (else the first one); the other keeps its original label, so no data is lost.

    >>> sorted(rename_markers({"L.ASIS": 1, "RBackAsis": 2, "foo": 3}))
    ['LASI', 'RPSI', 'foo']
    """
    table = _default_table() if not aliases else _lookup_table(aliases)
    wanted = {label: table.get(normalize_marker_key(label), label) for label in markers}
    owner: dict[str, str] = {}
    for label, canonical in wanted.items():
        exact = normalize_marker_key(label) == normalize_marker_key(canonical)
        if canonical not in owner or (exact and owner[canonical] != canonical):
            owner[canonical] = label
    out: dict = {}
    for label, value in markers.items():
        canonical = wanted[label]
        key = canonical if owner[canonical] == label else label
        if key in out:  # an unmapped label equal to a canonical name already taken
            key = f"{label}_{len(out)}"
        out[key] = value
    return out
