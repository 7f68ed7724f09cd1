"""Another lab's folder: the bundled real trials re-delivered as other labs write them.

Each test rewrites a real trial the way another writer, processor or lab would deliver it
(other marker spellings, a ``Subject:`` prefix, DEC/MIPS processors, integer storage with a
scale and unsigned analog with offsets, TRC in metres with y or z up, a static beside the run
in a folder) and checks that :func:`gaitcore.analyze_trial` finds the same events and the same
factor values as on the original.

C3D files are re-written by tests/c3d_writer.py from what ezc3d (an independent reader)
reads of the original: the same physical values and the same parameters (force plates,
events, subject data), only the encoding and the names change.

Tolerances: float re-encodings (DEC, MIPS, other names) carry the same float32 values, so events
and factors agree to 1e-6.  Integer storage rounds every coordinate to the point scale (chosen as
max |coordinate| / 30000, at most 0.2 mm on these files) and every analog sample to its scale
(max |value| / 30000 of the channel).  Measured over the four C3D trials and three integer
encodings: events moved by at most 0.18 ms, angles by 0.023 deg, distances by 0.024 mm, times by
0.06 ms, rates and impulses by 4e-5 (relative).  The tolerances (1 ms, 0.1 deg, 0.1 mm, 1 ms,
0.2 %) are 4-50 times those; the same ones serve the metre, type-4 and centimetre rewrites.
"""
from __future__ import annotations

import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitcore as gc
from gaitcore import datasets
from c3d_writer import DEC, INTEL, MIPS, write_c3d

ezc3d = pytest.importorskip("ezc3d")

#: the parameters tests/c3d_writer.py writes itself from the data it is given
_WRITER_OWNS = {("POINT", k) for k in ("USED", "RATE", "SCALE", "FRAMES", "DATA_START", "LONG_FRAMES")} | {
    ("ANALOG", k) for k in ("USED", "RATE", "SCALE", "OFFSET", "GEN_SCALE", "FORMAT", "BITS")}


def _raw(text) -> str:
    """ezc3d's text back to the file's bytes, one character per byte (the writer encodes latin-1)."""
    return str(text).encode("utf-8", "surrogateescape").decode("latin-1")


def _copied_parameters(params: dict, rename) -> list:
    """Every parameter of the original except the ones the writer derives, as (group, name, value)."""
    out = []
    for group, entries in params.items():
        if group in ("header", "") or not isinstance(entries, dict):
            continue
        for name, prm in entries.items():
            if name == "__METADATA__" or (group, name) in _WRITER_OWNS:
                continue
            value = prm["value"]
            if prm["type"] == -1:
                value = [_raw(v) for v in (np.ravel(value) if not isinstance(value, str) else [value])]
                if group == "POINT" and name.startswith("LABELS"):
                    value = [rename(v) for v in value]
                value = value[0] if len(value) == 1 else (value or [""])
            else:
                arr = np.asarray(value)
                arr = arr.astype(np.float32) if prm["type"] == 4 else arr.astype(np.int64)
                value = arr.T  # ezc3d gives C3D's dims first-fastest; the writer takes them reversed
            out.append((group, name, value))
    return out


#: a symmetric, non-diagonal calibration matrix for type-4 plates (symmetric: the test does not
#: depend on the row/column order of CAL_MATRIX, which tests/test_readers.py checks)
TYPE4_CAL = np.array([[1.02, 0.01, 0.03, 0, 0, 0], [0.01, 0.98, 0.02, 0, 0, 0], [0.03, 0.02, 1.05, 0, 0, 0.01],
                      [0, 0, 0, 0.97, 0.01, 0], [0, 0, 0, 0.01, 1.01, 0.02], [0, 0, 0.01, 0, 0.02, 0.99]])


def _to_yup_m(xyz: np.ndarray) -> np.ndarray:
    """A z-up mm lab frame as a y-up metre one: (x, y, z) -> (x, z, -y) / 1000."""
    return np.stack([xyz[..., 0], xyz[..., 2], -xyz[..., 1]], axis=-1) / 1000.0


def _as_type4(analog: np.ndarray, params: list) -> tuple[np.ndarray, list]:
    """Every plate's 6 channels as raw type-4 signals: raw = CAL^-1 (Fx..Mz), TYPE 4, CAL_MATRIX."""
    given = {(g, nm): v for g, nm, v in params}
    channels = np.asarray(given[("FORCE_PLATFORM", "CHANNEL")]).reshape(-1, np.shape(given[("FORCE_PLATFORM", "CHANNEL")])[-1])
    analog = analog.copy()
    for plate_channels in channels:
        cols = plate_channels[:6] - 1
        analog[:, cols] = analog[:, cols] @ np.linalg.inv(TYPE4_CAL).T
    params = [e for e in params if e[:2] not in (("FORCE_PLATFORM", "TYPE"), ("FORCE_PLATFORM", "CAL_MATRIX"))]
    params += [("FORCE_PLATFORM", "TYPE", np.full(len(channels), 4)),
               ("FORCE_PLATFORM", "CAL_MATRIX", np.stack([TYPE4_CAL] * len(channels)).astype(np.float32))]
    return analog, params


def _yup_m_params(params: list) -> list:
    """POINT:UNITS m; plate corners turned and scaled like the points, origins scaled."""
    out = []
    for group, name, value in params:
        if (group, name) == ("FORCE_PLATFORM", "CORNERS") and np.size(value):
            value = _to_yup_m(np.asarray(value, float)).astype(np.float32)
        elif (group, name) == ("FORCE_PLATFORM", "ORIGIN"):
            value = (np.asarray(value, float) / 1000.0).astype(np.float32)
        if (group, name) != ("POINT", "UNITS"):
            out.append((group, name, value))
    return out


def rewrite_c3d(src, dst, processor=INTEL, integer=False, unsigned=False, rename=lambda s: s,
                yup_m=False, type4=False, edit=None, negative_scale=False):
    """Write ``src`` again as ``dst`` with another processor / storage / marker names; ``yup_m``:
    y up in metres (src must be z up, mm); ``type4``: type-2 plates as type-4 (calibration matrix);
    ``edit(params) -> (params, header_events)``: the lab's own parameters and header events;
    ``negative_scale``: integer analog with negative ANALOG:SCALE (as Qualisys writes Kistler plates)."""
    c = ezc3d.c3d(str(src))
    head = c["header"]
    points = np.asarray(c["data"]["points"])[:3].transpose(2, 1, 0)  # (n, P, 3), NaN = invalid
    analog = np.asarray(c["data"]["analogs"])[0].T                   # (n * k, A), physical units
    params = _copied_parameters(c["parameters"], rename)
    units = "mm"
    if yup_m:
        points, params, units = _to_yup_m(points), _yup_m_params(params), "m"
    if type4:
        analog, params = _as_type4(analog, params)
    params, header_events = edit(params) if edit else (params, ())
    n, n_points = points.shape[:2]
    k = analog.shape[0] // n if analog.size else 1
    point_scale, scale, offset = (1e-4 if yup_m else 0.1), None, None
    if integer:
        point_scale = max(float(np.nanmax(np.abs(points))) / 30000.0, 1e-3) if np.isfinite(points).any() else 0.1
        if analog.size:
            peak = np.abs(analog).max(axis=0)
            scale = np.where(peak > 0, peak / 30000.0, 1.0) * (-1.0 if negative_scale else 1.0)
            offset = np.full(analog.shape[1], 32768.0 if unsigned else 0.0)
    labels = [rename(_raw(s)) for s in c["parameters"]["POINT"]["LABELS"]["value"]]
    write_c3d(dst, points, float(head["points"]["frame_rate"]), analog=analog if analog.size else None,
              analog_per_frame=k, processor=processor, integer=integer, point_scale=point_scale,
              analog_scale=scale, analog_offset=offset, unsigned=unsigned, labels=labels, units=units,
              params=params, header_events=header_events, first_frame=int(head["points"]["first_frame"]) + 1)
    return dst


# ---- marker spellings of other labs ----------------------------------------------------

def subject_prefix(label: str) -> str:
    return f"Jane:{label}"


_DOTTED = {"ASI": "ASIS", "PSI": "PSIS", "KNE": "Knee", "ANK": "Ankle", "HEE": "Heel", "TOE": "Toe",
           "THI": "Thigh", "TIB": "Shank", "ACR": "Acromion"}
_QUALISYS = {"ASI": "_IAS", "PSI": "_IPS", "KNE": "_FLE", "KNM": "_FME", "ANK": "_FAL", "MED": "_TAM",
             "HEE": "Heel", "TOE": "Toe", "ASIS": "_IAS", "BackAsis": "_IPS"}


def dotted(label: str) -> str:
    """Helen Hayes / Cortex spellings: LASI -> L.ASIS, RHEE -> R.Heel."""
    m = re.fullmatch(r"([LR])(ASI|PSI|KNE|ANK|HEE|TOE|THI|TIB|ACR)", label)
    return f"{m[1]}.{_DOTTED[m[2]]}" if m else {"SACR": "V.Sacral", "C7": "V.C7"}.get(label, label)


def qualisys(label: str) -> str:
    """Qualisys / IOR (ISB) spellings: LASI -> L_IAS, LPSI -> L_IPS, LKNE -> L_FLE, C7 -> CV7."""
    m = re.fullmatch(r"([LR])(ASI|PSI|KNE|KNM|ANK|MED|ASIS|BackAsis)", label)
    return f"{m[1]}{_QUALISYS[m[2]]}" if m else {"C7": "CV7", "T10": "TV10", "CLAV": "SJN", "STRN": "SXS"}.get(label, label)


# ---- comparing two analyses --------------------------------------------------------------

#: factor-name ending -> absolute tolerance for integer-stored rewrites (see the module docstring)
_INTEGER_TOL = (("_deg_L", 0.1), ("_deg_R", 0.1), ("_deg", 0.1), ("_mm", 0.1), ("_pct_leg_length", 0.05),
                ("_ms", 1.0))
#: events of an integer-stored rewrite: within 1 ms of the original's
EVENT_TOL_S = 1e-3


def _analyze(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gc.analyze_trial(path, **kw)


def _numbers(report) -> pd.Series:
    f = report.factors.drop(labels=["flags"], errors="ignore")
    return pd.Series({k: float(v) if isinstance(v, (int, float, np.number)) else np.nan for k, v in f.items()})


def _tolerance(name: str, value: float, exact: bool) -> float:
    if exact:
        return 1e-6 + 1e-6 * abs(value)
    for end, tol in _INTEGER_TOL:
        if name.endswith(end):
            return tol
    return 0.002 * abs(value) + 1e-6  # rates, impulses, cadence, duty factor, shares


def assert_same_analysis(original, other, exact: bool = True):
    """Same events (side, kind, time) and the same factor values, NaN where the original is NaN.
    ``exact``: float re-encodings (1e-6); else quantised ones (the module docstring's tolerances)."""
    ev_a, ev_b = original.events, other.events
    assert list(ev_a["side"]) == list(ev_b["side"]) and list(ev_a["event"]) == list(ev_b["event"]), \
        f"events differ:\n{ev_a[['side', 'event', 'time_s']]}\n{ev_b[['side', 'event', 'time_s']]}"
    time_tol = 1e-6 if exact else EVENT_TOL_S
    np.testing.assert_allclose(ev_b["time_s"], ev_a["time_s"], atol=time_tol, rtol=0)
    a, b = _numbers(original), _numbers(other)
    assert list(a.index) == list(b.index)
    assert list(np.isfinite(a)) == list(np.isfinite(b)), \
        f"factor coverage differs: {sorted(set(a[np.isfinite(a)].index) ^ set(b[np.isfinite(b)].index))}"
    bad = {k: (a[k], b[k]) for k in a.index if np.isfinite(a[k])
           and abs(a[k] - b[k]) > _tolerance(k, a[k], exact)}
    assert not bad, f"factors differ (original, rewritten): {bad}"


# ---- the trials -----------------------------------------------------------------------

C3D_TRIALS = {  # name -> keyword arguments of analyze_trial (files from datasets/)
    "walk.c3d": {},
    "walking2.c3d": {},
    "Running_0002.c3d": {},
    "20141003T073938_run.c3d": {"static": "20141003T073938_static.c3d"},
}


@pytest.fixture(scope="module")
def originals():
    cache = {}

    def get(name):
        if name not in cache:
            kw = {k: datasets.path(v) for k, v in C3D_TRIALS[name].items()}
            cache[name] = _analyze(datasets.path(name), **kw)
        return cache[name]
    return get


def _rewritten_kw(name, tmp_path, **how):
    kw = {}
    for key, value in C3D_TRIALS[name].items():
        kw[key] = rewrite_c3d(datasets.path(value), tmp_path / f"static_{value}", **how)
    return kw


@pytest.mark.parametrize("name", list(C3D_TRIALS))
@pytest.mark.parametrize("processor", [DEC, MIPS], ids=["DEC", "MIPS"])
def test_other_processor_gives_the_same_analysis(name, processor, tmp_path, originals):
    path = rewrite_c3d(datasets.path(name), tmp_path / name, processor=processor)
    assert_same_analysis(originals(name), _analyze(path, **_rewritten_kw(name, tmp_path, processor=processor)))


@pytest.mark.parametrize("name", list(C3D_TRIALS))
@pytest.mark.parametrize("processor,unsigned,negative", [(INTEL, False, False), (DEC, True, False), (MIPS, False, True)],
                         ids=["Intel-int", "DEC-int-unsigned", "MIPS-int-negative-scale"])
def test_integer_storage_gives_the_same_analysis(name, processor, unsigned, negative, tmp_path, originals):
    how = dict(processor=processor, integer=True, unsigned=unsigned, negative_scale=negative)
    path = rewrite_c3d(datasets.path(name), tmp_path / name, **how)
    report = _analyze(path, **_rewritten_kw(name, tmp_path, **how))
    assert_same_analysis(originals(name), report, exact=False)


@pytest.mark.parametrize("name", list(C3D_TRIALS))
@pytest.mark.parametrize("rename", [subject_prefix, dotted, qualisys], ids=["Subject-prefix", "dotted", "qualisys"])
def test_other_marker_spellings_give_the_same_analysis(name, rename, tmp_path, originals):
    path = rewrite_c3d(datasets.path(name), tmp_path / name, rename=rename)
    assert_same_analysis(originals(name), _analyze(path, **_rewritten_kw(name, tmp_path, rename=rename)))


Z_UP_WITH_PLATES = ["walk.c3d", "walking2.c3d", "Running_0002.c3d"]


@pytest.mark.parametrize("name", Z_UP_WITH_PLATES)
def test_y_up_c3d_in_metres_gives_the_same_analysis(name, tmp_path, originals):
    """Points, plate corners and origins in metres with y up (moments stay in the ANALOG:UNITS)."""
    path = rewrite_c3d(datasets.path(name), tmp_path / name, yup_m=True)
    assert_same_analysis(originals(name), _analyze(path), exact=False)


@pytest.mark.parametrize("name", ["walk.c3d", "walking2.c3d"])
def test_type4_plates_give_the_same_analysis(name, tmp_path, originals):
    """AMTI type-2 plates delivered as type 4: raw signals and a 6x6 calibration matrix."""
    path = rewrite_c3d(datasets.path(name), tmp_path / name, type4=True)
    assert_same_analysis(originals(name), _analyze(path), exact=False)


def _stored_events(params):
    given = {(g, nm): v for g, nm, v in params}
    times = np.asarray(given[("EVENT", "TIMES")], float).reshape(-1, 2)
    return list(given[("EVENT", "LABELS")]), list(given[("EVENT", "CONTEXTS")]), 60.0 * times[:, 0] + times[:, 1]


def _relabel(spell):
    """EVENT:LABELS/CONTEXTS rewritten by ``spell(label, context) -> (label, context)``."""
    def edit(params):
        labels, contexts, _ = _stored_events(params)
        pairs = [spell(lab, ctx) for lab, ctx in zip(labels, contexts)]
        out = [e for e in params if e[:2] not in (("EVENT", "LABELS"), ("EVENT", "CONTEXTS"))]
        return out + [("EVENT", "LABELS", [p[0] for p in pairs]), ("EVENT", "CONTEXTS", [p[1] for p in pairs])], ()
    return edit


def _header_only(params):
    """No EVENT group: the events in the header's event block, 4-character labels (LHS, RTO)."""
    labels, contexts, times = _stored_events(params)
    short = [ctx[0] + ("HS" if "Strike" in lab else "TO") for lab, ctx in zip(labels, contexts)]
    return [e for e in params if e[0] != "EVENT"], list(zip(short, times))


EVENT_SPELLINGS = {
    "LHS-no-context": _relabel(lambda lab, ctx: (ctx[0] + ("HS" if "Strike" in lab else "TO"), "")),
    "Left-Foot-Strike-General": _relabel(lambda lab, ctx: (f"{ctx} {lab}", "General")),
    "Heel-Strike-Toe-Off": _relabel(lambda lab, ctx: ("Heel Strike" if "Strike" in lab else "Toe Off", ctx.upper())),
    "header-only": _header_only,
}


@pytest.mark.parametrize("spelling", list(EVENT_SPELLINGS))
def test_stored_events_in_other_spellings_are_read_alike(spelling, tmp_path):
    """walk.c3d's 8 stored Nexus events as other writers store them; event_method="file"."""
    original = _analyze(datasets.path("walk.c3d"), event_method="file")
    assert len(original.events) == 8
    path = rewrite_c3d(datasets.path("walk.c3d"), tmp_path / "walk.c3d", edit=EVENT_SPELLINGS[spelling])
    assert_same_analysis(original, _analyze(path, event_method="file"))


def _other_subject(label: str) -> str:
    return f"Bob:{label}"


@pytest.mark.parametrize("run_rename,static_rename", [(subject_prefix, str), (str, subject_prefix),
                                                      (subject_prefix, _other_subject)],
                         ids=["run-prefixed", "static-prefixed", "static-of-another-subject-name"])
def test_run_and_static_with_different_prefixes(run_rename, static_rename, tmp_path, originals):
    """The RIC clusters carry the static's landmarks whatever prefix each file's labels have."""
    run = rewrite_c3d(datasets.path("20141003T073938_run.c3d"), tmp_path / "run.c3d", rename=run_rename)
    static = rewrite_c3d(datasets.path("20141003T073938_static.c3d"), tmp_path / "static.c3d", rename=static_rename)
    assert_same_analysis(originals("20141003T073938_run.c3d"), _analyze(run, static=static))


# ---- OpenSim-style text files -----------------------------------------------------------

def write_trc_as(trial: gc.Trial, path, units: str = "m", up: str = "y"):
    """A TRC of the trial's markers in ``units`` with ``up`` vertical ("y": OpenSim's
    (x, z_lab, -y_lab); "z": the lab frame as it is), Units and no UpAxis in the header."""
    per_mm = {"mm": 1.0, "m": 1e-3, "cm": 0.1}[units]
    names = list(trial.markers)
    xyz = np.stack([trial.markers[k] for k in names], axis=1)
    if up == "y":
        xyz = np.stack([xyz[..., 0], xyz[..., 2], -xyz[..., 1]], axis=-1)
    xyz = xyz * per_mm
    n, rate = trial.n_frames, trial.marker_rate
    t0 = float(trial.metadata.get("first_time_s", 0.0))
    lines = [f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
             "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
             f"{rate:g}\t{rate:g}\t{n}\t{len(names)}\t{units}\t{rate:g}\t1\t{n}",
             "Frame#\tTime\t" + "\t".join(f"{nm}\t\t" for nm in names),
             "\t\t" + "\t".join(f"X{j}\tY{j}\tZ{j}" for j in range(1, len(names) + 1)), ""]
    for i in range(n):
        cells = ["" if not np.isfinite(v) else f"{v:.9g}" for v in xyz[i].ravel()]
        lines.append("\t".join([str(i + 1), f"{t0 + i / rate:.6f}"] + cells))
    path.write_text("\n".join(lines) + "\n")
    return path


RAJAGOPAL = ("Rajagopal_motion_capture_run.trc", "Rajagopal_grf_run.mot", "Rajagopal_static_run.trc")


@pytest.fixture(scope="module")
def rajagopal():
    run, grf, static = (datasets.path(n) for n in RAJAGOPAL)
    return _analyze(run, grf=grf, static=static)


@pytest.mark.parametrize("units,up", [("m", "y"), ("m", "z"), ("mm", "z"), ("cm", "y")])
def test_trc_in_other_units_and_up_axis_gives_the_same_analysis(units, up, tmp_path, rajagopal):
    run, grf, static = (gc.read_trial(datasets.path(n)) for n in RAJAGOPAL)
    run_path = write_trc_as(run, tmp_path / "run.trc", units, up)
    static_path = write_trc_as(static, tmp_path / "static.trc", units, up)
    report = _analyze(run_path, grf=datasets.path(RAJAGOPAL[1]), static=static_path)
    assert_same_analysis(rajagopal, report, exact=units != "cm")


def test_trc_with_prefixed_and_dotted_names_gives_the_same_analysis(tmp_path, rajagopal):
    run, static = gc.read_trial(datasets.path(RAJAGOPAL[0])), gc.read_trial(datasets.path(RAJAGOPAL[2]))
    for trial in (run, static):
        trial.markers = {subject_prefix(dotted(k)): v for k, v in trial.markers.items()}
    report = _analyze(write_trc_as(run, tmp_path / "run.trc"), grf=datasets.path(RAJAGOPAL[1]),
                      static=write_trc_as(static, tmp_path / "static.trc"))
    assert_same_analysis(rajagopal, report)


GRF_NAMINGS = {  # OpenSim force-set prefixes other pipelines write, for the Rajagopal R_/L_ sets
    "calcn_r/calcn_l": ("calcn_r_", "calcn_l_"),
    "right/left": ("right_ground_", "left_ground_"),
    "ground/1_ground": ("ground_", "1_ground_"),  # per-foot sets that do not say which foot
}


@pytest.mark.parametrize("prefixes", list(GRF_NAMINGS.values()), ids=list(GRF_NAMINGS))
def test_grf_force_sets_named_otherwise_give_the_same_analysis(prefixes, tmp_path, rajagopal):
    right, left = prefixes
    text = datasets.path(RAJAGOPAL[1]).read_text().replace("R_ground_", right).replace("L_ground_", left)
    grf = tmp_path / "grf.mot"
    grf.write_text(text)
    report = _analyze(datasets.path(RAJAGOPAL[0]), grf=grf, static=datasets.path(RAJAGOPAL[2]))
    assert_same_analysis(rajagopal, report)


@pytest.mark.parametrize("name", ["walk.c3d", "walking2.c3d"])
def test_sacrum_spelled_v_sacral_gives_the_same_analysis(name, tmp_path):
    """A pelvis with a sacrum marker instead of the PSIS (as Dorn 2012's), spelled SACR or V.Sacral
    (Cortex): LPSI is written as the sacrum, RPSI under a name no preset knows."""
    reports = []
    for sacrum in ("SACR", "V.Sacral"):
        def rename(label, sacrum=sacrum):
            return {"LPSI": sacrum, "RPSI": "spare_marker"}.get(label, label)
        reports.append(_analyze(rewrite_c3d(datasets.path(name), tmp_path / f"{sacrum}_{name}", rename=rename)))
    assert np.isfinite(_numbers(reports[0])["pelvic_drop_deg_L"])
    assert_same_analysis(*reports)


# ---- a lab's folder: a static beside the runs ------------------------------------------

def _cohort(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ThreadPoolExecutor(1) as pool:
            return gc.analyze_cohort(folder, executor=pool, progress=False)


def test_folder_with_static_beside_the_run(tmp_path, originals):
    """The RIC folder as delivered (run + static, MIPS integer files): folder mode pairs the static."""
    for name in ("20141003T073938_run.c3d", "20141003T073938_static.c3d"):
        rewrite_c3d(datasets.path(name), tmp_path / name, processor=MIPS)
    table = _cohort(tmp_path)
    assert len(table) == 1 and table["error"].iloc[0] == ""
    assert Path(table["static"].iloc[0]).name == "20141003T073938_static.c3d"
    expected = _numbers(originals("20141003T073938_run.c3d"))
    row = table.iloc[0]
    for col in expected.index:
        want, got = expected[col], float(row[col])
        assert (np.isnan(want) and np.isnan(got)) or abs(want - got) <= 1e-6 + 1e-6 * abs(want), col


def test_folder_with_one_static_and_several_runs(tmp_path, originals):
    """Vicon-style names: 'Jane Cal 01.c3d' is the static of every 'Jane Run NN.c3d' beside it."""
    rewrite_c3d(datasets.path("20141003T073938_static.c3d"), tmp_path / "Jane Cal 01.c3d", processor=DEC)
    for k in (1, 2):
        rewrite_c3d(datasets.path("20141003T073938_run.c3d"), tmp_path / f"Jane Run 0{k}.c3d", processor=DEC)
    table = _cohort(tmp_path)
    assert list(table["error"]) == ["", ""]
    assert [Path(s).name for s in table["static"]] == ["Jane Cal 01.c3d"] * 2
    expected = _numbers(originals("20141003T073938_run.c3d"))
    for _, row in table.iterrows():
        got = row[expected.index].astype(float)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_opensim_folder_as_shipped(tmp_path, rajagopal):
    """OpenSim's Rajagopal folder as shipped: run TRC, its GRF .mot under another stem, the static TRC."""
    for name in RAJAGOPAL:
        (tmp_path / name).write_bytes(datasets.path(name).read_bytes())
    table = _cohort(tmp_path)
    assert len(table) == 1 and table["error"].iloc[0] == "", table.to_dict("records")
    assert Path(table["static"].iloc[0]).name == RAJAGOPAL[2]
    assert Path(table["grf"].iloc[0]).name == RAJAGOPAL[1]
    expected = _numbers(rajagopal)
    row = table.iloc[0]
    for col in expected.index:
        want, got = expected[col], float(row[col])
        assert (np.isnan(want) and np.isnan(got)) or abs(want - got) <= 1e-6 + 1e-6 * abs(want), col


def test_folder_of_subject_subfolders(tmp_path):
    """lab/S01/{run01,static}.c3d, lab/S02/{run01,static}.c3d: each run with its own subject's static."""
    for subject in ("S01", "S02"):
        (tmp_path / subject).mkdir()
        (tmp_path / subject / "run01.c3d").write_bytes(datasets.path("20141003T073938_run.c3d").read_bytes())
        (tmp_path / subject / "static.c3d").write_bytes(datasets.path("20141003T073938_static.c3d").read_bytes())
    table = _cohort(tmp_path)
    assert list(table["error"]) == ["", ""]
    assert [Path(s).parent.name for s in table["static"]] == ["S01", "S02"]
    assert list(table["subject"]) == ["S01", "S02"]  # the subfolder names the subject
    assert len(set(table["trial_id"])) == 2          # two run01.c3d, two trials
