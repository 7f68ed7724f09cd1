"""Marker sets as data, and landmark trajectories by role for any of them.

A marker set is a small TOML file (the presets ship in this package: ``plug-in-gait``,
``cast``, ``ric``, ``vicon-clusters``, ``opensim``, ``qualisys``, ``helen-hayes``) naming,
per segment (pelvis, thorax, thigh, shank, foot; the last three per side):

- its anatomical landmarks by role (``asis``, ``psis``, ``sacrum``, ``trochanter``, ``hjc``;
  ``c7``, ``back``, ``jugular``, ``sternum``, ``acromion``; ``knee_lat``, ``knee_med``,
  ``thigh_wand``, ``kjc``; ``ankle_lat``, ``ankle_med``, ``tibia_wand``, ``ajc``; ``heel``,
  ``toe``, ``mt1``, ``mt5``), each with the spellings the lab uses (``{S}`` = side letter);
- its technical markers: any 3 or more markers rigid on the segment;
- its joint-centre rules, in order of preference (``hip_centre``, ``knee_centre``,
  ``ankle_centre``).

:func:`resolve_landmarks` picks the preset covering most segments (or takes the one you
name, or your own file), and returns, once per trial, every landmark trajectory by role.
A landmark the run lacks (or hides for some frames) but the static trial has is carried
into the run through its segment's technical markers: the static landmark is expressed in
the cluster by a least-squares rigid fit (Soderkvist & Wedin 1993, J Biomech 26:1473;
solved in closed form by Horn's quaternion, with the SVD for near-degenerate clusters) and
carried into every frame where 3 or more of the cluster's markers are seen;
frames with fewer are gaps, filled only up to ``max_gap_s``.

Example
-------
>>> import gaitcore
>>> from gaitcore.markersets import resolve_landmarks
>>> run = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_motion_capture_run.trc"))
>>> static = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_static_run.trc"))
>>> lm = resolve_landmarks(run, static=static)
>>> lm.marker_set.name, lm.get("heel", "L").shape, lm.source("knee_med", "L")
('opensim', (510, 3), 'static LKNM via cluster LTH1/LTH2/LTH3')
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .._errors import InputError, InputTypeError
from ..markers import canonical_marker_name, normalize_marker_key
from ..trial import UP_AXIS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["MarkerSet", "MarkerSetChoice", "Landmarks", "PRESETS", "ROLES", "load_marker_set",
           "choose_marker_set", "resolve_landmarks", "rigid_fit", "static_forward", "DEFORMING_CLUSTER_DEG"]

#: Segment -> its landmark roles.  thigh, shank and foot are per side.
ROLES: dict[str, tuple[str, ...]] = {
    "pelvis": ("asis", "psis", "sacrum", "trochanter", "hjc"),
    "thorax": ("c7", "back", "jugular", "sternum", "acromion"),
    "thigh": ("knee_lat", "knee_med", "thigh_wand", "kjc"),
    "shank": ("ankle_lat", "ankle_med", "tibia_wand", "ajc"),
    "foot": ("heel", "toe", "mt1", "mt5"),
}
SIDED_SEGMENTS = ("thigh", "shank", "foot")
_SIDED_MIDLINE_ROLES = ("asis", "psis", "trochanter", "hjc", "acromion")
_RULES = {"pelvis": "hip_centre", "thigh": "knee_centre", "shank": "ankle_centre"}
#: Roles built from others (see :meth:`Landmarks.get`).
DERIVED = ("pelvis_centre", "pelvis_back", "foot_centre", "trunk_upper", "trunk_lower")
#: The preset files shipped with gaitcore, in the order ties are broken.
PRESETS = ("plug-in-gait", "opensim", "cast", "vicon-clusters", "qualisys", "helen-hayes", "ric")
SIDES = ("L", "R")
DEFAULT_MAX_GAP_S = 0.1
#: a cluster whose rigid fit leaves residuals of this order of its size (median fit RMS / RMS
#: marker distance from the centroid, in degrees) is reported as deforming: the landmarks it
#: carries are then uncertain by about that angle (docs/methods.md, CAST calibration)
DEFORMING_CLUSTER_DEG = 2.5


def _sided(segment: str, role: str) -> bool:
    return segment in SIDED_SEGMENTS or role in _SIDED_MIDLINE_ROLES


@dataclass(frozen=True)
class Segment:
    """One segment of a marker set: spellings of each landmark role, technical markers, rules."""

    landmarks: dict[str, tuple[str, ...]]
    technical: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarkerSet:
    """A marker set read from its TOML file (see the module docstring for the format)."""

    name: str
    title: str
    segments: dict[str, Segment]
    path: str = ""

    def spellings(self, segment: str, role: str, side: str | None) -> tuple[str, ...]:
        seg = self.segments.get(segment)
        return _expand(seg.landmarks.get(role, ()), side) if seg else ()

    def technical(self, segment: str, side: str | None) -> tuple[str, ...]:
        seg = self.segments.get(segment)
        if not seg:
            return ()
        sides = (side,) if segment in SIDED_SEGMENTS else SIDES
        return tuple(dict.fromkeys(n for s in sides for n in _expand(seg.technical, s)))

    def rules(self, segment: str) -> tuple[str, ...]:
        seg = self.segments.get(segment)
        return seg.rules if seg else ()


def _expand(spellings, side):
    if side is None:
        return tuple(s for s in spellings if "{S}" not in s)
    return tuple(s.replace("{S}", side) for s in spellings)


@functools.lru_cache(maxsize=None)
def _preset(name: str) -> MarkerSet:
    path = resources.files(__name__).joinpath(name.replace("-", "_") + ".toml")
    return _parse(tomllib.loads(path.read_text(encoding="utf-8")), f"preset {name}")


def load_marker_set(name_or_path) -> MarkerSet:
    """A preset by name (:data:`PRESETS`) or a marker-set TOML file of your own.

    >>> load_marker_set("ric").segments["thigh"].technical[:2]
    ('{S}_thigh_1', '{S}_thigh_2')
    """
    if isinstance(name_or_path, MarkerSet):
        return name_or_path
    text_name = str(name_or_path)
    if text_name in PRESETS:
        return _preset(text_name)
    path = Path(text_name)
    if not path.is_file():
        raise InputError(f"marker_set: {text_name!r} is neither a preset ({', '.join(PRESETS)}) nor a file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"marker_set: {path}: not a valid TOML file ({exc})") from None
    return _parse(data, str(path))


def _parse(data: Mapping, source: str) -> MarkerSet:
    segments = {}
    for seg, roles in ROLES.items():
        entry = data.get(seg)
        if entry is None:
            continue
        if not isinstance(entry, Mapping):
            raise InputError(f"marker_set {source}: [{seg}] must be a table")
        unknown = set(entry) - set(roles) - {"technical", _RULES.get(seg, "technical")}
        if unknown:
            raise InputError(f"marker_set {source}: [{seg}] has unknown keys {sorted(unknown)}; "
                             f"roles: {list(roles)}, plus 'technical'" + (f" and '{_RULES[seg]}'" if seg in _RULES
                                                                           else ""))
        lists = {k: _names(v, source, seg, k) for k, v in entry.items()}
        segments[seg] = Segment(landmarks={r: lists[r] for r in roles if r in lists},
                                technical=lists.get("technical", ()), rules=lists.get(_RULES.get(seg, ""), ()))
    unknown = set(data) - set(ROLES) - {"name", "title"}
    if unknown:
        raise InputError(f"marker_set {source}: unknown tables {sorted(unknown)}; segments: {list(ROLES)}")
    name = str(data.get("name", Path(source).stem))
    return MarkerSet(name=name, title=str(data.get("title", name)), segments=segments, path=source)


def _names(value, source, seg, key):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"marker_set {source}: [{seg}] {key} must be a list of marker names")
    return tuple(value)


# ---- which marker names of a trial a set's spellings match ---------------------------------

@functools.lru_cache(maxsize=4096)
def _keys(spelling: str) -> tuple[str, str]:
    """Matching key of a spelling, and of the canonical name the readers give it."""
    return normalize_marker_key(spelling), normalize_marker_key(canonical_marker_name(spelling))


class _NameIndex:
    """Finds a trial's marker by spelling: exactly (ignoring case and separators), else under
    the canonical name the readers gave it (gaitcore.markers)."""

    def __init__(self, names):
        self.by_key: dict[str, str] = {}
        for n in names:
            self.by_key.setdefault(normalize_marker_key(n), n)

    def find(self, spelling: str) -> tuple[str | None, bool]:
        """(trial name or None, matched exactly)."""
        key, canonical_key = _keys(spelling)
        hit = self.by_key.get(key)
        if hit is not None:
            return hit, True
        return self.by_key.get(canonical_key), False

    def first(self, spellings) -> str | None:
        for s in spellings:
            hit, _ = self.find(s)
            if hit is not None:
                return hit
        return None


def _segment_keys():
    for seg in ROLES:
        for side in (SIDES if seg in SIDED_SEGMENTS else (None,)):
            yield seg, side


def _coverage(ms: MarkerSet, index: _NameIndex) -> tuple[int, int]:
    """(segments covered: a landmark or 3 technical markers found; names matched exactly)."""
    covered = exact = 0
    for seg, side in _segment_keys():
        if seg not in ms.segments:
            continue
        found = 0
        spell = [s for role in ROLES[seg] for sd in ((side,) if side else (None, *SIDES))
                 for s in ms.spellings(seg, role, sd)]
        for s in spell:
            hit, ok = index.find(s)
            found += hit is not None
            exact += bool(hit is not None and ok)
        tech = {index.find(s)[0] for s in ms.technical(seg, side)} - {None}
        exact += sum(index.find(s)[1] for s in ms.technical(seg, side))
        covered += bool(found or len(tech) >= 3)
    return covered, exact


@dataclass
class MarkerSetChoice:
    """Which marker set was used and why: segments covered per preset, ties."""

    marker_set: MarkerSet
    scores: dict[str, tuple[int, int]]   # preset -> (segments covered of 8, names matched exactly)
    ties: list[str] = field(default_factory=list)
    chosen_by: str = "auto"

    def describe(self) -> str:
        covered = self.scores.get(self.marker_set.name, (0, 0))[0]
        text = f"{self.marker_set.name} ({self.chosen_by}; {covered} of 8 segments)"
        if self.ties:
            text += f"; tied on segments with {', '.join(self.ties)}"
        return text


@functools.lru_cache(maxsize=256)
def _preset_scores(names: frozenset) -> dict[str, tuple[int, int]]:
    index = _NameIndex(sorted(names))
    return {p: _coverage(load_marker_set(p), index) for p in PRESETS}


def choose_marker_set(names, static_names=(), marker_set="auto") -> MarkerSetChoice:
    """The preset covering most segments of a trial (run and static names together).

    Ties on segments go to the preset matching more names exactly, then to the order of
    :data:`PRESETS`; the tied presets are listed in ``ties``.  ``marker_set`` other than
    "auto" is a preset name, a path or a :class:`MarkerSet`, used as given.

    >>> choose_marker_set(["pelvis_1", "pelvis_2", "pelvis_3", "L_thigh_1"]).marker_set.name
    'ric'
    """
    if not (isinstance(marker_set, str) and marker_set == "auto"):
        ms = load_marker_set(marker_set)
        return MarkerSetChoice(ms, {ms.name: _coverage(ms, _NameIndex([*names, *static_names]))}, chosen_by="given")
    scores = _preset_scores(frozenset(names) | frozenset(static_names))
    best = max(PRESETS, key=lambda p: (scores[p], -PRESETS.index(p)))
    ties = [p for p in PRESETS if p != best and scores[p][0] == scores[best][0] and scores[p][0] > 0]
    return MarkerSetChoice(load_marker_set(best), scores, ties)


# ---- the least-squares rigid fit ----------------------------------------------------------

def rigid_fit(reference: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation R (n, 3, 3) and translation t (n, 3) with points[i] ~ R[i] @ reference + t[i].

    Least squares over the markers finite in a frame (Soderkvist & Wedin 1993: the SVD
    solution with det(R) = +1, computed in closed form as Horn's 1987 quaternion with the QCP
    eigenvalue of Theobald 2005, the SVD itself for nearly degenerate frames); frames with fewer than 3 finite markers, or markers in
    a line, give NaN.  ``reference`` is (k, 3), ``points`` (n, k, 3).  Computed in the C core.
    """
    from .. import _core

    ref = np.ascontiguousarray(reference, dtype=float)
    pts = np.ascontiguousarray(points, dtype=float)
    if ref.ndim != 2 or ref.shape[1] != 3 or pts.ndim != 3 or pts.shape[1:] != ref.shape:
        raise InputError(f"rigid_fit: reference must be (k, 3) and points (n, k, 3), got {ref.shape} and {pts.shape}")
    return _core.kin_rigid_fit(ref, pts)


# ---- landmarks by role -------------------------------------------------------------------------

@dataclass
class Landmarks:
    """Landmark trajectories (n, 3), lab frame, mm, by role and side, for one trial.

    ``get(role, side)`` returns the trajectory or None; sided roles need ``side`` ("L"/"R").
    Derived roles: ``pelvis_centre`` (mean of mid-ASIS and the pelvis back, else
    mid-trochanter, else the pelvis cluster centroid), ``pelvis_back`` (mid-PSIS, else
    the sacrum), ``foot_centre`` (per side: the foot's technical markers' centroid, else
    mid heel-toe), ``trunk_upper`` (mean of C7 and the jugular notch, else mid-acromion),
    ``trunk_lower`` (mean of the back marker and the sternum).
    """

    marker_set: MarkerSet
    choice: MarkerSetChoice
    n_frames: int
    points: dict = field(default_factory=dict)     # (role, side or None) -> (n, 3)
    sources: dict = field(default_factory=dict)    # (role, side or None) -> str
    markers: dict = field(default_factory=dict)    # (role, side or None) -> trial marker names used
    clusters: dict = field(default_factory=dict)   # (segment, side or None) -> technical names found
    run: dict = field(default_factory=dict, repr=False)  # the trial's markers the landmarks came from
    static: dict = field(default_factory=dict, repr=False)  # static marker name -> mean position (3,)
    carriers: dict = field(default_factory=dict, repr=False)  # (segment, side or None) -> _Carrier

    def get(self, role: str, side: str | None = None) -> np.ndarray | None:
        key = (role, side)
        if key not in self.points and role in DERIVED:
            value = _derive(self, role, side)
            if value is not None:
                self.points[key] = value
        return self.points.get(key)

    def has(self, role: str, side: str | None = None) -> bool:
        return self.get(role, side) is not None

    def source(self, role: str, side: str | None = None) -> str:
        self.get(role, side)
        return self.sources.get((role, side), "missing")

    def marker_names(self, role: str, side: str | None = None) -> tuple[str, ...]:
        """The trial markers a role's trajectory was built from (for gap-fill masks)."""
        self.get(role, side)
        return tuple(self.markers.get((role, side), ()))

    def static_point(self, role: str, side: str | None = None) -> np.ndarray | None:
        """A landmark's mean position (3,) in the static trial, or None."""
        for seg, roles in ROLES.items():
            if role in roles:
                name = self.carriers[_carrier_key(seg, side)].static_index.first(
                    self.marker_set.spellings(seg, role, side)) if _carrier_key(seg, side) in self.carriers else None
                return self.static.get(name) if name else None
        return None

    def carry(self, segment: str, side: str | None, points) -> np.ndarray | None:
        """Points (k, 3) fixed to a segment in the static trial, carried into every run frame
        by the segment's technical markers: (n, k, 3), NaN in frames seeing fewer than 3 of
        them; None when the segment has no cluster seen in both trials."""
        carrier = self.carriers.get(_carrier_key(segment, side))
        return carrier.carry_points(np.atleast_2d(np.asarray(points, dtype=float))) if carrier else None

    def summary(self) -> dict[str, str]:
        """``"role"``/``"role_L"`` -> where it came from, for every role found."""
        return {(r if s is None else f"{r}_{s}"): self.sources[(r, s)] for r, s in self.points}

    def cluster_fit(self) -> dict[str, dict]:
        """How rigid each cluster that carried a static landmark stayed in the run.

        ``"thigh_R"`` (``"pelvis"``) -> ``markers`` (the trial markers fitted),
        ``fit_rms_mm`` (n,) the RMS distance (mm) between those markers and their least-squares
        rigid fit to the static shape in each frame (NaN where fewer than 3 are seen), its
        ``fit_rms_mm_median`` and ``fit_rms_mm_p95``, ``orientation_uncertainty_deg`` (median
        fit RMS over the RMS marker distance from the cluster centroid: the order of the
        rotation error the deformation leaves in the carried landmarks) and ``deforms``
        (that uncertainty above :data:`DEFORMING_CLUSTER_DEG`).  Rigid plates stay below
        0.6 deg; skin-mounted clusters reach 3-4 deg (docs/methods.md).
        """
        out = {}
        for (segment, side), carrier in self.carriers.items():
            if carrier.carried():
                out[segment if side is None else f"{segment}_{side}"] = carrier.fit_quality()
        return out


def _carrier_key(segment, side):
    return (segment, side if segment in SIDED_SEGMENTS else None)


def _mean_of(lm, parts, role, side, how):
    arrays = [lm.get(r, s) for r, s in parts]
    if any(a is None for a in arrays):
        return None
    lm.sources[(role, side)] = how
    lm.markers[(role, side)] = tuple(n for r, s in parts for n in lm.marker_names(r, s))
    return np.mean(arrays, axis=0)


def _derive(lm: Landmarks, role, side):
    if side is None and role == "pelvis_back":
        back = _mean_of(lm, [("psis", "L"), ("psis", "R")], role, side, "mid-PSIS")
        return back if back is not None else _mean_of(lm, [("sacrum", None)], role, side, "sacrum")
    if side is None and role == "pelvis_centre":
        mid_asis = _mean_of(lm, [("asis", "L"), ("asis", "R")], "mid_asis", None, "mid-ASIS")
        if mid_asis is not None and lm.has("pelvis_back"):
            lm.sources[(role, side)] = "mean of mid-ASIS and " + lm.source("pelvis_back")
            lm.markers[(role, side)] = lm.markers[("mid_asis", None)] + lm.marker_names("pelvis_back")
            return 0.5 * (mid_asis + lm.get("pelvis_back"))
        mid = _mean_of(lm, [("trochanter", "L"), ("trochanter", "R")], role, side, "mid-trochanter")
        return mid if mid is not None else _cluster_centre(lm, "pelvis", None, role)
    if side in SIDES and role == "foot_centre":
        centre = _cluster_centre(lm, "foot", side, role)
        return centre if centre is not None else _mean_of(lm, [("heel", side), ("toe", side)], role, side,
                                                          "mid heel-toe")
    if side is None and role == "trunk_upper":
        upper = _mean_of(lm, [("c7", None), ("jugular", None)], role, side, "mean of C7 and jugular notch")
        return upper if upper is not None else _mean_of(lm, [("acromion", "L"), ("acromion", "R")], role, side,
                                                        "mid-acromion")
    if side is None and role == "trunk_lower":
        return _mean_of(lm, [("back", None), ("sternum", None)], role, side, "mean of back and sternum")
    return None


def _cluster_centre(lm, segment, side, role):
    """Centroid of a segment's technical markers, NaN in frames missing any of them."""
    names = lm.clusters.get((segment, side), ())
    if len(names) < 3:
        return None
    value = np.mean([lm.run[n] for n in names], axis=0)
    if not np.isfinite(value).any():
        return None
    lm.sources[(role, side)] = f"centroid of {'/'.join(names)}"
    lm.markers[(role, side)] = tuple(names)
    return value


def _static_means(static) -> dict[str, np.ndarray]:
    out = {}
    for k, v in static.items():
        v = np.asarray(v, dtype=float)
        if np.isfinite(v).all(axis=-1).any():
            with np.errstate(invalid="ignore"):
                out[k] = np.nanmean(v.reshape(-1, 3), axis=0)
    return out


def resolve_landmarks(markers, *, static=None, marker_set="auto", rate: float | None = None,
                      max_gap_s: float = DEFAULT_MAX_GAP_S) -> Landmarks:
    """Every landmark of a trial by role, from any marker set (see the module docstring).

    Parameters
    ----------
    markers : gaitcore.Trial, or a dict marker name -> (n, 3) array (lab frame, mm)
    static : Trial or dict of the static standing trial, optional: landmarks it has and
        the run lacks (or hides in some frames) are carried into the run by the
        segment's technical markers
    marker_set : "auto" (the preset covering most segments), a preset name
        (:data:`PRESETS`), a path to your own TOML file, or a :class:`MarkerSet`
    rate : Hz, marker rate (taken from the Trial when one is given); needed to fill gaps
    max_gap_s : s, longest run of frames without 3 cluster markers that is filled (cubic
        spline); longer gaps stay NaN

    Returns
    -------
    Landmarks
    """
    run, rate = _marker_dict(markers, rate, "markers")
    stat = _marker_dict(static, None, "static")[0] if static is not None else {}
    choice = choose_marker_set(list(run), list(stat), marker_set)
    ms = choice.marker_set
    n = next(iter(run.values())).shape[0] if run else 0
    run_index, static_index = _NameIndex(run), _NameIndex(stat)
    static_mean = _static_means(stat) if stat else {}
    lm = Landmarks(marker_set=ms, choice=choice, n_frames=n, run=run, static=static_mean)
    for seg, side in _segment_keys():
        if seg not in ms.segments:
            continue
        tech = tuple(dict.fromkeys(h for h in (run_index.first([s]) for s in ms.technical(seg, side)) if h))
        if len(tech) >= 3:
            lm.clusters[(seg, side)] = tech
        carrier = _Carrier(ms, seg, side, run, run_index, static_mean, static_index, tech)
        lm.carriers[(seg, side)] = carrier
        for role in ROLES[seg]:
            for sd in ((side,) if seg in SIDED_SEGMENTS else (SIDES if _sided(seg, role) else (None,))):
                _resolve_role(lm, ms, seg, role, sd, run, run_index, carrier, rate, max_gap_s)
    for side in SIDES:
        if not (lm.has("heel", side) and lm.has("toe", side)):
            _virtual_foot(lm, side, rate, max_gap_s)
    return lm


def _marker_dict(markers, rate, what):
    from ..trial import Trial

    if isinstance(markers, Trial):
        return {k: np.asarray(v, dtype=float) for k, v in markers.markers.items()}, markers.marker_rate
    if isinstance(markers, Mapping):
        out = {str(k): np.asarray(v, dtype=float) for k, v in markers.items()}
        bad = [k for k, v in out.items() if v.ndim != 2 or v.shape[1] != 3]
        if bad:
            raise InputError(f"{what}: every marker must be an (n, 3) array; {bad[0]} is not")
        if len({v.shape[0] for v in out.values()}) > 1:
            raise InputError(f"{what}: markers have different numbers of frames")
        return out, rate
    raise InputTypeError(f"{what} must be a gaitcore.Trial or a dict of (n, 3) arrays, got {type(markers).__name__}")


class _Carrier:
    """Carries a segment's static landmarks into the run through its technical markers."""

    def __init__(self, ms, seg, side, run, run_index, static_mean, static_index, run_technical=()):
        self.run_technical = tuple(run_technical)  # technical markers of the segment in the run
        self.pairs = []   # (run name, static name) of technical markers seen in both
        for s in ms.technical(seg, side):
            r, st = run_index.first([s]), static_index.first([s])
            if r and st and st in static_mean and (r, st) not in self.pairs:
                self.pairs.append((r, st))
        self.run, self.static_mean, self.static_index = run, static_mean, static_index
        self._fits: dict = {}

    def usable(self):
        return len(self.pairs) >= 3

    def carried(self):
        """True once a static landmark or point has been carried by this cluster."""
        return bool(self._fits)

    def carry(self, spellings, exclude):
        """(trajectory, static name, technical names) of the first spelling the static has."""
        name = self.static_index.first(spellings)
        if not self.usable() or name is None or name not in self.static_mean:
            return None
        pairs = [(r, s) for r, s in self.pairs if s != name and r != exclude]
        if len(pairs) < 3:
            return None
        return self._carry(pairs, self.static_mean[name][None])[:, 0], name, tuple(r for r, _ in pairs)

    def carry_from_run(self, name):
        """Without a static: a marker's gaps from the segment's other technical markers, the
        segment's shape being their mean configuration over the run frames that see them all
        (each such frame fitted to the first one, then averaged)."""
        others = [r for r in self.run_technical if r != name]
        if len(others) < 3:
            return None, ()
        stack = np.stack([self.run[r] for r in (*others, name)], axis=1)
        full = np.isfinite(stack).all(axis=(1, 2))
        if full.sum() < 3:
            return None, ()
        rot, t = rigid_fit(stack[np.argmax(full)], stack[full])
        shape = np.einsum("nji,nkj->nki", rot, stack[full] - t[:, None]).mean(axis=0)  # R^T (p - t)
        rot, t = rigid_fit(shape[:-1], stack[:, :-1])
        return np.einsum("nij,j->ni", rot, shape[-1]) + t, tuple(others)

    def carry_points(self, points):
        return self._carry(self.pairs, points) if self.usable() else None

    def _carry(self, pairs, points):
        rot, t = self._fit(pairs)
        return _apply(rot, t, points)

    def _fit(self, pairs):
        key = tuple(pairs)
        if key not in self._fits:  # one fit per set of markers, shared by the segment's landmarks
            self._fits[key] = rigid_fit(self._static_shape(pairs), self._run_points(pairs))
        return self._fits[key]

    def _static_shape(self, pairs):
        return np.stack([self.static_mean[s] for _, s in pairs])

    def _run_points(self, pairs):
        return np.stack([self.run[r] for r, _ in pairs], axis=1)

    def fit_quality(self) -> dict:
        """The residuals of the rigid fit of all the cluster's markers (see Landmarks.cluster_fit)."""
        shape, seen = self._static_shape(self.pairs), self._run_points(self.pairs)
        rot, t = self._fit(self.pairs)  # all markers, whatever subset carried a landmark
        squared = np.sum((_apply(rot, t, shape) - seen) ** 2, axis=2)  # NaN: marker unseen or no fit
        counted = np.isfinite(squared)
        n_seen = counted.sum(axis=1)
        rms = np.full(len(squared), np.nan)  # no warnings.catch_warnings here: batches run in threads
        rms[n_seen > 0] = np.sqrt(np.where(counted, squared, 0.0).sum(axis=1)[n_seen > 0] / n_seen[n_seen > 0])
        finite = rms[np.isfinite(rms)]
        median = float(np.median(finite)) if finite.size else float("nan")
        radius = float(np.sqrt(np.mean(np.sum((shape - shape.mean(axis=0)) ** 2, axis=1))))
        uncertainty = float(np.degrees(median / radius)) if radius > 0 else float("nan")
        return {"markers": tuple(r for r, _ in self.pairs), "fit_rms_mm": rms, "fit_rms_mm_median": median,
                "fit_rms_mm_p95": float(np.percentile(finite, 95)) if finite.size else float("nan"),
                "orientation_uncertainty_deg": uncertainty, "deforms": bool(uncertainty > DEFORMING_CLUSTER_DEG)}


def _apply(rot, t, points):
    """Points (k, 3) moved by each frame's pose: (n, k, 3) = R[i] @ p + t[i]."""
    return np.matmul(points, np.swapaxes(rot, 1, 2)) + t[:, None]


def _resolve_role(lm, ms, seg, role, side, run, run_index, carrier, rate, max_gap_s):
    spellings = ms.spellings(seg, role, side)
    if not spellings:
        return
    key = (role, side)
    name = run_index.first(spellings)
    xyz = run[name] if name else None
    if xyz is not None and np.isfinite(xyz).all():
        lm.points[key], lm.sources[key], lm.markers[key] = xyz, f"marker {name}", (name,)
        return
    carried = carrier.carry(spellings, name)
    if carried is None and xyz is not None and np.isfinite(xyz).any():
        own, used = carrier.carry_from_run(name)
        if own is None:
            lm.points[key], lm.sources[key], lm.markers[key] = xyz, f"marker {name}", (name,)
            return
        carried = own, None, used
    if carried is None:
        return
    value, static_name, used = carried
    if xyz is not None:  # the marker seen in the run wins where it is seen
        value = np.where(np.isfinite(xyz), xyz, value)
    value = _fill(value, rate, max_gap_s)
    if not np.isfinite(value).any():
        return
    how = (f"static {static_name} via cluster {'/'.join(used)}" if static_name else
           f"the run's own shape of cluster {'/'.join(used)}")
    lm.points[key] = value
    lm.sources[key] = (f"marker {name}, gaps from " + how) if xyz is not None else how
    lm.markers[key] = ((name,) if name else ()) + used


def static_forward(lm: Landmarks) -> np.ndarray | None:
    """Horizontal unit vector the subject faces in the static trial: mid-ASIS minus the pelvis
    back, else up x (right - left) of the first bilateral landmark pair the static has."""
    up = np.eye(3)[UP_AXIS]
    asis = [lm.static_point("asis", s) for s in SIDES]
    back = [lm.static_point("psis", s) for s in SIDES]
    back = 0.5 * (back[0] + back[1]) if all(b is not None for b in back) else lm.static_point("sacrum")
    forward = None
    if all(a is not None for a in asis) and back is not None:
        forward = 0.5 * (asis[0] + asis[1]) - back
    else:
        for role in ("asis", "trochanter", "knee_lat", "ankle_lat", "acromion"):
            pair = [lm.static_point(role, s) for s in SIDES]
            if all(p is not None for p in pair):
                forward = np.cross(up, pair[1] - pair[0])
                break
    if forward is None:
        return None
    forward = forward - (forward @ up) * up
    norm = np.linalg.norm(forward)
    return forward / norm if norm > 0 else None


VIRTUAL_TOE_MM = 150.0  # length of the virtual foot line in front of the point below the ankle centre
#: The virtual heel: the posterior heel (where a heel marker sits) estimated from the ankle
#: centre in the static, this far behind it along the static's forward direction and below it.
#: Measured heel marker minus ankle centre on 9 real feet of 5 subjects (Rajagopal and Dorn
#: statics, pyCGM's Nexus static, walk.c3d and Running_0002.c3d foot-flat frames): 68 +- 14 mm
#: behind (36-80), 38 +- 7 mm below (28-49); scaling by leg length did not reduce the scatter.
VIRTUAL_HEEL_BEHIND_MM = 68.0
VIRTUAL_HEEL_BELOW_MM = 38.0
#: leave-one-subject-out RMS error of the behind distance on those feet (max 35 mm: pyCGM's left foot)
VIRTUAL_HEEL_UNCERTAINTY_MM = 16.0


def estimated_heel(ankle_centre_mm, forward) -> np.ndarray:
    """The posterior heel (mm) estimated from the ankle centre (mid-malleoli) of a standing foot:
    VIRTUAL_HEEL_BEHIND_MM behind it along the horizontal unit vector ``forward`` and
    VIRTUAL_HEEL_BELOW_MM below it; within VIRTUAL_HEEL_UNCERTAINTY_MM (RMS) of a heel marker."""
    up = np.eye(3)[UP_AXIS]
    return np.asarray(ankle_centre_mm, float) - VIRTUAL_HEEL_BEHIND_MM * np.asarray(forward, float) \
        - VIRTUAL_HEEL_BELOW_MM * up


def _virtual_foot(lm, side, rate, max_gap_s):
    """Heel and toe points for a foot with a cluster but no heel/toe marker, defined in the
    static and carried by the foot cluster.  The heel is estimated: VIRTUAL_HEEL_BEHIND_MM behind
    and VIRTUAL_HEEL_BELOW_MM below the ankle centre (where a posterior heel marker sits, within
    VIRTUAL_HEEL_UNCERTAINTY_MM); the toe is VIRTUAL_TOE_MM ahead of the point below the ankle
    centre at the height of the lowest foot-cluster marker (the foot line used for toe-off).
    Foot angles from them are relative to standing."""
    carrier = lm.carriers.get(("foot", side))
    ankle = [lm.static_point(r, side) for r in ("ankle_lat", "ankle_med")]
    forward = static_forward(lm) if carrier is not None and carrier.usable() else None
    if forward is None or any(a is None for a in ankle):
        return
    up = np.eye(3)[UP_AXIS]
    centre = 0.5 * (ankle[0] + ankle[1])
    lowest = min(lm.static[s] @ up for _, s in carrier.pairs)
    below_centre = centre + (lowest - centre @ up) * up
    heel = estimated_heel(centre, forward)
    carried = lm.carry("foot", side, np.stack([heel, below_centre + VIRTUAL_TOE_MM * forward]))
    names = "/".join(r for r, _ in carrier.pairs)
    sources = {"heel": (f"virtual heel (estimated, +-{VIRTUAL_HEEL_UNCERTAINTY_MM:.0f} mm): defined in the static "
                        f"{VIRTUAL_HEEL_BEHIND_MM:.0f} mm behind and {VIRTUAL_HEEL_BELOW_MM:.0f} mm below the ankle "
                        f"centre, carried by cluster {names}"),
               "toe": (f"virtual toe: defined in the static {VIRTUAL_TOE_MM:.0f} mm ahead of the point below the "
                       f"ankle centre (foot horizontal when standing), carried by cluster {names}")}
    for k, role in enumerate(("heel", "toe")):
        if lm.has(role, side):
            continue
        lm.points[(role, side)] = _fill(carried[:, k], rate, max_gap_s)
        lm.sources[(role, side)] = sources[role]
        lm.markers[(role, side)] = tuple(r for r, _ in carrier.pairs)


def _fill(value, rate, max_gap_s):
    if not (rate and max_gap_s and max_gap_s > 0) or np.isfinite(value).all() or not np.isfinite(value).any():
        return value
    from ..filters import fill_gaps

    filled, _ = fill_gaps(value, rate, max_gap_s=max_gap_s, axis=0)
    return filled

