"""Tests of gaitcore.stance_factors: walk.c3d (stored events), Rajagopal running (events from
a 20 N threshold on each belt, written here: gait-event detection is a separate issue),
and independent re-computations of single metrics."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore.factors import COLUMNS, _loading_rates, factor_summary, stance_factors


def threshold_events(trial, threshold_n=20.0) -> pd.DataFrame:
    """IC/TO where each side-assigned plate's vertical force crosses threshold_n."""
    rows = []
    for plate in trial.plates:
        on = (plate.fz > threshold_n).astype(int)
        for i in np.nonzero(np.diff(on) == 1)[0]:
            rows.append((plate.side, "IC", (i + 1) / plate.rate))
        for i in np.nonzero(np.diff(on) == -1)[0]:
            rows.append((plate.side, "TO", (i + 1) / plate.rate))
    return pd.DataFrame(rows, columns=["side", "event", "time_s"]).sort_values("time_s", ignore_index=True)


@pytest.fixture(scope="module")
def walk():
    return gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))


@pytest.fixture(scope="module")
def run():
    trial = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_motion_capture_run.trc"),
                                grf=gaitcore.datasets.path("Rajagopal_grf_run.mot"))
    static = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_static_run.trc"))
    return trial, static


@pytest.fixture(scope="module")
def run_table(run):
    trial, static = run
    return stance_factors(trial, threshold_events(trial), static=static, body_mass_kg="from_grf")


def test_walk_stances_and_reasons(walk):
    table = stance_factors(walk, walk.events)
    assert list(table.columns) == COLUMNS
    assert list(table["side"]) == ["R", "L", "R", "L"][: len(table)]
    assert len(table) == 3  # the last L IC (1.81 s) has no TO in the file
    # no C7 in walk.c3d: trunk lean NaN with a reason, never a guess
    assert table["trunk_lean_mean_deg"].isna().all()
    assert table["reason"].str.contains("trunk lean needs C7").all()
    # kinematic metrics exist for every stance
    for col in ("cpd_peak_deg", "peak_hip_extension_deg", "overstride_mm", "knee_flexion_ic_deg",
                "shank_angle_deg", "foot_strike_angle_deg"):
        assert table[col].notna().all(), col
    # walk.c3d has a clean plate strike for the first two stances only
    assert table["valr_bw_per_s"].notna().sum() == 2
    assert "no force plate recorded this whole stance" in table["reason"].iloc[2]
    # walking: ~0.7 s stances, heel ahead of the pelvis at contact
    assert ((table["contact_time_s"] > 0.55) & (table["contact_time_s"] < 0.85)).all()
    assert (table["overstride_mm"] > 100).all()


def test_walk_knee_flexion_at_ic_matches_stored_pig(walk):
    """Knee flexion at IC equals the lab's PiG knee angle at that instant within the
    uncalibrated model's offset (RMS 5 deg over the trial, see test_kinematics)."""
    table = stance_factors(walk, walk.events)
    for _, row in table.iterrows():
        ref = walk.model_outputs[f"{row.side}KneeAngles"][:, 0]
        k = row.ic_s * walk.marker_rate
        want = np.interp(k, np.arange(len(ref)), ref)
        assert abs(row.knee_flexion_ic_deg - want) < 10


def test_cpd_definition_independent(walk):
    """CPD re-computed here with NumPy from the filtered ASIS markers."""
    table = stance_factors(walk, walk.events, cutoff_hz=None)
    row = table.iloc[0]
    u = walk.markers["RASI"] - walk.markers["LASI"]
    u = u / np.linalg.norm(u, axis=1)[:, None]
    drop = np.degrees(np.arcsin(u[:, 2]))  # z is up in a Trial; right stance: + = left side low
    i0, i1 = math.ceil(row.ic_s * 100), math.floor(row.to_s * 100)
    assert row.side == "R"
    assert row.cpd_peak_deg == pytest.approx(drop[i0:i1 + 1].max(), abs=1e-9)


def test_running_plausible_and_symmetric(run_table):
    """Rajagopal running: peak stance knee flexion 35-55 deg, peak hip extension 5-25 deg
    (referenced to standing: this marker set shows 15 deg anterior pelvic tilt and 11 deg hip
    flexion in the static trial), trunk lean 0-20 deg, left and right close."""
    t = run_table
    summary = factor_summary(t)
    print("\n" + summary.T.to_string(float_format=lambda v: f"{v:8.2f}"))
    assert len(t) >= 12 and set(t["side"]) == {"L", "R"}
    assert summary["peak_knee_flexion_stance_deg"].between(35, 55).all()  # per-limb mean, as the curves
    assert t["peak_knee_flexion_stance_deg"].between(30, 60).all()        # every single stance
    assert summary["peak_hip_extension_vs_static_deg"].between(5, 25).all()
    assert summary["trunk_lean_mean_deg"].between(0, 20).all()
    assert summary["trunk_lean_mean_vs_static_deg"].between(0, 20).all()
    assert (t["contact_time_s"].between(0.2, 0.3)).all()
    # near symmetry of the curves' key values
    for col, tol in (("peak_knee_flexion_stance_deg", 12), ("thigh_extension_deg", 8), ("contact_time_s", 0.02),
                     ("cpd_peak_deg", 3), ("vilr_bw_per_s", 10)):
        assert abs(summary.loc["L", col] - summary.loc["R", col]) < tol, col
    # loading rates and impulses exist for every stance (the belts record every step)
    assert t["valr_bw_per_s"].between(10, 150).all() and t["vilr_bw_per_s"].between(10, 300).all()
    assert (t["braking_impulse_ns_per_kg"] < 0).all() and (t["propulsive_impulse_ns_per_kg"] > 0).all()
    # steady running: braking and propulsion roughly balance over the trial
    assert abs(t["braking_impulse_ns_per_kg"].sum() + t["propulsive_impulse_ns_per_kg"].sum()) < 0.5


def test_body_mass_missing_gives_nan_with_reason(run):
    trial, static = run
    table = stance_factors(trial, threshold_events(trial), static=static)
    assert table["valr_bw_per_s"].isna().all()
    assert table["reason"].str.contains("no body mass").all()
    assert table["peak_knee_flexion_stance_deg"].notna().all()


def _rates_of(seg, dt, bw):
    """_loading_rates of a single stance covering the whole of seg, as scalars."""
    col = _loading_rates(np.asarray(seg, float), np.array([0]), np.array([len(seg) - 1]), dt, bw)
    return {name: values[0] for name, values in col.items()}


def test_loading_rate_with_impact_peak_independent():
    """A synthetic vertical force: linear rise to an impact peak then a dip: VALR is the ramp's slope."""
    dt = 0.001
    bw = 700.0
    rise = np.linspace(0, 1400, 31)  # 1400 N in 30 ms: 46 667 N/s = 66.7 BW/s
    seg = np.concatenate([rise, np.linspace(1400, 1200, 20)[1:], np.linspace(1200, 2000, 100)[1:],
                          np.linspace(2000, 0, 100)[1:]])
    row = _rates_of(seg, dt, bw)
    assert row["loading_rate_method"] == "impact peak 20-80%"
    assert row["valr_bw_per_s"] == pytest.approx(1400 / 0.030 / bw, rel=1e-9)
    assert row["vilr_bw_per_s"] == pytest.approx(1400 / 30 / dt / bw, rel=1e-9)


def test_loading_rate_without_impact_peak_independent():
    """No local maximum in the first 25 % of stance (a forefoot strike): the mean slope over 3-12 %."""
    dt = 0.001
    bw = 700.0
    seg = np.concatenate([np.linspace(0, 2100, 101), np.linspace(2100, 0, 151)[1:]])  # 21 N/ms up to 40 %
    row = _rates_of(seg, dt, bw)
    assert row["loading_rate_method"] == "no impact peak: mean slope 3-12% of stance"
    assert row["valr_bw_per_s"] == pytest.approx(21 / dt / bw, rel=1e-9)
    assert row["vilr_bw_per_s"] == pytest.approx(21 / dt / bw, rel=1e-9)
    # stances of different lengths in one call give the values each gives alone
    both = _loading_rates(np.r_[seg, seg[::2]], np.array([0, len(seg)]), np.array([len(seg) - 1, len(seg) + 125]),
                          dt, bw)
    assert both["valr_bw_per_s"][0] == row["valr_bw_per_s"]
    assert both["valr_bw_per_s"][1] == pytest.approx(_rates_of(seg[::2], dt, bw)["valr_bw_per_s"], rel=1e-12)


def test_bad_events(walk):
    with pytest.raises(TypeError, match="events"):
        stance_factors(walk, [("R", "IC", 0.1)])
    with pytest.raises(ValueError, match="missing columns"):
        stance_factors(walk, pd.DataFrame({"side": ["R"], "time_s": [0.1]}))
    with pytest.raises(TypeError, match="trial"):
        stance_factors(None, walk.events)
    with pytest.raises(ValueError, match="body_mass_kg"):
        stance_factors(walk, walk.events, body_mass_kg=-3)
    empty = stance_factors(walk, walk.events.iloc[:0])
    assert len(empty) == 0 and list(empty.columns) == COLUMNS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(stance_factors(walk, walk.events[walk.events["event"] == "IC"])) == 0


def test_stance_with_filled_markers_is_rejected(walk):
    """docs/methods.md E: no metric from a marker gap-filled at an event; only the metrics that use
    that marker (here the heel: overstride, foot strike) are removed."""
    markers = {k: v.copy() for k, v in walk.markers.items()}
    ic = float(walk.events.query("side == 'R' and event == 'IC'")["time_s"].iloc[0])
    k = int(round(ic * walk.marker_rate))
    markers["RHEE"][k - 2:k + 3] = np.nan  # 5 frames: filled by the spline
    trial = gaitcore.Trial(markers=markers, marker_rate=walk.marker_rate, plates=walk.plates,
                           events=walk.events, metadata=walk.metadata)
    table = stance_factors(trial, trial.events)
    first = table.iloc[0]
    assert first.side == "R" and math.isnan(first.overstride_mm) and math.isnan(first.foot_strike_angle_deg)
    assert "R foot markers gap-filled at IC or TO" in first.reason
    assert math.isfinite(first.cpd_peak_deg) and math.isfinite(first.peak_hip_extension_deg)
    assert math.isfinite(first.valr_bw_per_s)  # the force metrics do not depend on markers
    assert math.isfinite(table.iloc[1].overstride_mm)  # the other stances are kept


def test_force_metrics_without_a_pelvis(walk):
    """One missing segment removes only the factors that need it: without pelvis markers there is
    no kinematic model, but loading rates and impulses (force, and the markers' direction of
    travel) are still computed, each flag naming its own reason."""
    markers = {k: v for k, v in walk.markers.items() if k not in ("LASI", "RASI", "LPSI", "RPSI")}
    trial = gaitcore.Trial(markers=markers, marker_rate=walk.marker_rate, plates=walk.plates,
                           events=walk.events, metadata=walk.metadata, source=walk.source)
    full, table = stance_factors(walk, walk.events), stance_factors(trial, trial.events)
    for col in ("valr_bw_per_s", "vilr_bw_per_s", "braking_impulse_ns_per_kg", "propulsive_impulse_ns_per_kg"):
        np.testing.assert_allclose(table[col], full[col], rtol=1e-3, err_msg=col)  # same plates and travel axis
    assert table["cpd_peak_deg"].isna().all() and table["reason"].str.contains("no kinematic model").all()
    assert not any("no kinematic model" in r for r in table.attrs["reasons"]["valr_bw_per_s"])


def test_trunk_lean_from_c7_alone_only_relative_to_standing(run):
    """docs/methods.md C.2: C7 sits behind the trunk axis; with C7 as the only trunk marker the
    absolute lean is not reported (flagged), the change from the static standing trial is."""
    trial, static = run
    drop = ("CLAV", "LACR", "RACR")
    c7_only = gaitcore.Trial(markers={k: v for k, v in trial.markers.items() if k not in drop},
                             marker_rate=trial.marker_rate, plates=trial.plates, metadata=trial.metadata)
    static_c7 = gaitcore.Trial(markers={k: v for k, v in static.markers.items() if k not in drop},
                               marker_rate=static.marker_rate, metadata=static.metadata)
    events = threshold_events(trial)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = stance_factors(c7_only, events, static=static_c7, body_mass_kg="from_grf")
        full = stance_factors(trial, events, static=static, body_mass_kg="from_grf")
    assert table["trunk_lean_mean_deg"].isna().all() and table["trunk_lean_ic_deg"].isna().all()
    assert table["reason"].str.contains("trunk lean from C7 alone").all()
    assert table["trunk_lean_mean_vs_static_deg"].notna().all()
    # the change from standing of C7 alone and of the upper trunk centre agree (measured: <= 0.9 deg)
    diff = table["trunk_lean_mean_vs_static_deg"] - full["trunk_lean_mean_vs_static_deg"]
    assert np.abs(diff).max() < 1.5


def test_every_stance_column_of_a_running_trial(run_table):
    """Each column of the stance table on Rajagopal's run, against its definition (relations
    that must hold exactly) or the running ranges of docs/methods.md C: trunk lean 7.3 +- 3.6 deg
    (Teng & Powers 2014) taken to +-3.5 SD; rearfoot strikes above 8 deg (Altman & Davis 2012)."""
    t = run_table
    checked = set()

    def check(col, ok):
        assert np.all(ok), (col, t[col].tolist())
        checked.add(col)

    check("side", t["side"].isin(["L", "R"]))
    check("ic_s", t["ic_s"] < t["to_s"])
    check("to_s", np.diff(t["to_s"]) > 0)
    check("contact_time_s", np.isclose(t["contact_time_s"], t["to_s"] - t["ic_s"], atol=1e-12))
    check("cpd_peak_deg", t["cpd_peak_deg"].between(0, 10))
    # the peak over IC-TO minus the value at IC (sub-sample IC: a few tenths below 0 at most)
    check("cpd_excursion_deg", t["cpd_excursion_deg"].between(-0.5, t["cpd_peak_deg"].max()))
    check("cpd_peak_vs_static_deg", t["cpd_peak_vs_static_deg"].between(-5, 15))
    for col in ("trunk_lean_mean_deg", "trunk_lean_ic_deg", "trunk_lean_midstance_deg"):
        check(col, t[col].between(0, 20))
    check("upright_or_backward", t["upright_or_backward"] == (t["trunk_lean_mean_deg"] < 4))
    check("trunk_lean_mean_vs_static_deg", t["trunk_lean_mean_vs_static_deg"].between(0, 20))
    # peak over [IC + t_c / 2, TO + 0.05 s], which holds TO
    check("hip_extension_to_deg", t["hip_extension_to_deg"] <= t["peak_hip_extension_deg"] + 1e-9)
    check("peak_hip_extension_deg", t["peak_hip_extension_deg"].between(-10, 25))
    check("peak_hip_extension_vs_static_deg", t["peak_hip_extension_vs_static_deg"].between(5, 25))
    check("thigh_extension_deg", t["thigh_extension_deg"].between(10, 40))
    check("pelvic_tilt_at_peak_hip_ext_deg", t["pelvic_tilt_at_peak_hip_ext_deg"].between(0, 35))
    check("peak_knee_flexion_stance_deg", t["peak_knee_flexion_stance_deg"].between(30, 60))
    check("overstride_mm", t["overstride_mm"].between(0, 300))
    leg_mm = 100 * t["overstride_mm"] / t["overstride_pct_leg_length"]  # one leg length per side
    check("overstride_pct_leg_length", leg_mm.between(700, 1100)
          & leg_mm.groupby(t["side"]).transform(lambda v: np.ptp(v) < 1e-6))
    check("shank_angle_deg", t["shank_angle_deg"].between(-5, 20))
    check("knee_flexion_ic_deg", t["knee_flexion_ic_deg"].between(0, 30)
          & (t["knee_flexion_ic_deg"] < t["peak_knee_flexion_stance_deg"]))
    check("foot_strike_angle_deg", t["foot_strike_angle_deg"] > 8)
    check("valr_bw_per_s", t["valr_bw_per_s"].between(10, 150))
    check("vilr_bw_per_s", t["vilr_bw_per_s"] >= t["valr_bw_per_s"])
    check("loading_rate_method", t["loading_rate_method"].str.len() > 0)
    check("braking_impulse_ns_per_kg", t["braking_impulse_ns_per_kg"] < 0)
    check("propulsive_impulse_ns_per_kg", t["propulsive_impulse_ns_per_kg"] > 0)
    check("reason", t["reason"].map(lambda r: isinstance(r, str)))
    assert checked == set(COLUMNS)


def test_peak_instant_refined_between_frames():
    """The instant of peak hip extension is the vertex of the parabola through the lowest frame
    and its neighbours (what is sampled there must not jump a frame with noise)."""
    from gaitcore.factors import _vertex_s

    frames = np.arange(40.0)
    x = (frames - 10.3) ** 2
    k = np.array([int(np.argmin(x))])
    np.testing.assert_allclose(_vertex_s(x, k, 100.0), [0.103], atol=1e-12)
    np.testing.assert_allclose(_vertex_s(x, np.array([0, 39]), 100.0), [0.0, 0.39])  # at the ends: the frame
    flat = np.r_[3.0, 1.0, 1.0, 3.0]
    np.testing.assert_allclose(_vertex_s(flat, np.array([1]), 100.0), [0.015])       # midway, whichever frame
    np.testing.assert_allclose(_vertex_s(flat, np.array([2]), 100.0), [0.015])
