"""Tests of gaitcore.events: contact detection (C core) against an independent NumPy
implementation and closed-form synthetic contacts, force-plate events against the events
stored in walk.c3d, the Rajagopal running trial, kinematic methods against force plates,
spatiotemporal parameters, and bad input."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore import datasets, events
from gaitcore.trial import ForcePlate, Trial


# ----------------------------------------------------------------------------- NumPy reference

def reference_contacts(fz, rate, on, off, min_contact_s, min_flight_s):
    """The same rule as the C core, written independently for NaN-free input: hysteresis
    state by forward-filling the last sample that decides it, crossings by linear
    interpolation, then joining short flights and dropping short contacts in Python."""
    fz = np.asarray(fz, float)
    n = len(fz)
    above, below = fz >= on, fz < off
    decisive = above | below
    last = np.where(decisive, np.arange(n), -1)
    last = np.maximum.accumulate(last)
    state = np.where(last >= 0, above[np.maximum(last, 0)], False)
    edges = np.diff(state.astype(np.int8))
    rises, falls = np.flatnonzero(edges == 1) + 1, np.flatnonzero(edges == -1) + 1
    on_t = (rises - 1 + (on - fz[rises - 1]) / (fz[rises] - fz[rises - 1])) / rate
    off_t = (falls - 1 + (fz[falls - 1] - off) / (fz[falls - 1] - fz[falls])) / rate
    if state[0]:
        on_t = np.concatenate([[np.nan], on_t])
    if state[-1]:
        off_t = np.concatenate([off_t, [np.nan]])
    out = []
    for a, b in zip(on_t, off_t):
        if out and np.isfinite(a) and np.isfinite(out[-1][1]) and a - out[-1][1] < min_flight_s:
            out[-1][1] = b
        else:
            out.append([a, b])
    return np.array([c for c in out if not (np.isfinite(c[0]) and np.isfinite(c[1])
                                            and c[1] - c[0] < min_contact_s)]).reshape(-1, 2)


@pytest.mark.parametrize("seed", range(6))
def test_contacts_match_numpy_reference(seed):
    # random square-ish force with chatter near the thresholds: exercises hysteresis,
    # joined flights and dropped contacts; must agree to rounding (1e-12 s)
    rng = np.random.default_rng(seed)
    levels = rng.choice([0.0, 15.0, 35.0, 800.0], size=400, p=[0.35, 0.15, 0.15, 0.35])
    fz = np.repeat(levels, rng.integers(1, 30, size=400)) + rng.normal(0, 3, size=None)
    fz = fz + rng.normal(0, 4.0, size=fz.size)
    for on, off, mc, mf in [(20, 20, 0.1, 0.02), (30, 10, 0.05, 0.0), (20, 20, 0.0, 0.0), (50, 20, 0.2, 0.05)]:
        got = gaitcore.detect_contacts(fz, 1000.0, on, off, mc, mf)
        want = reference_contacts(fz, 1000.0, on, off, mc, mf)
        assert len(got) == len(want), (on, off, mc, mf)
        np.testing.assert_allclose(got[["on_s", "off_s"]].to_numpy(), want, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- synthetic sweep

def synthetic_run(rate, seed, duration_s=20.0, noise_n=3.0, drift_n=0.0):
    """Half-sine contacts (0.15-0.35 s, peak 1200-2000 N) separated by flights of
    0.02-0.15 s, Gaussian noise and an optional slow drift.  Returns the force and the
    true crossing times of on = 50 N and off = 20 N of the noise-free, drift-free force."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * rate)) / rate
    fz = np.zeros_like(t)
    truth = []
    start = 0.1 + rng.uniform(0, 0.1)
    while True:
        tc, peak = rng.uniform(0.15, 0.35), rng.uniform(1200, 2000)
        if start + tc > duration_s - 0.2:
            break
        inside = (t > start) & (t < start + tc)
        fz[inside] = peak * np.sin(np.pi * (t[inside] - start) / tc)
        truth.append((start + tc / np.pi * np.arcsin(50.0 / peak), start + tc - tc / np.pi * np.arcsin(20.0 / peak)))
        start += tc + rng.uniform(0.02, 0.15)
    drift = drift_n * (0.6 + 0.4 * np.sin(2 * np.pi * 0.05 * t + rng.uniform(0, 6)))
    return fz + rng.normal(0, noise_n, t.size) + drift, np.array(truth), drift


@pytest.mark.parametrize("rate", [100.0, 250.0, 500.0, 1000.0, 2000.0])
@pytest.mark.parametrize("drift_n", [0.0, 15.0])
def test_synthetic_contacts_within_one_sample(rate, drift_n):
    fz, truth, drift = synthetic_run(rate, seed=int(rate) + int(drift_n), drift_n=drift_n)
    got = gaitcore.detect_contacts(fz, rate, threshold=50.0, off_threshold=20.0,
                                   drift_correction=drift_n > 0)
    assert len(got) == len(truth)
    assert not got[["partial", "touches_nan", "merged"]].to_numpy().any()
    err = got[["on_s", "off_s"]].to_numpy() - truth
    print(f"\nsynthetic {rate:g} Hz drift {drift_n:g} N: {len(truth)} contacts, max |error| "
          f"IC {1000 * abs(err[:, 0]).max():.3f} ms, TO {1000 * abs(err[:, 1]).max():.3f} ms, "
          f"one sample {1000 / rate:.3f} ms")
    assert abs(err).max() < 1.0 / rate
    if drift_n:
        base = got.attrs["baseline_n"]
        # the mid-flight spline follows the true drift (range 3-15 N) to within 2 N on average
        assert base.shape == fz.shape and np.mean(np.abs(base - drift)) < 2.0


def test_drift_correction_needed_and_recovers():
    # drift of +40 N raises the flights over the 20 N off threshold: without correction
    # the contacts run together; with it every contact is found
    rate = 1000.0
    fz, truth, _ = synthetic_run(rate, seed=7, noise_n=1.0)
    t = np.arange(fz.size) / rate
    drifted = fz + 40.0 * t / t[-1]
    assert len(gaitcore.detect_contacts(drifted, rate, 50.0, 20.0)) < len(truth)
    fixed = gaitcore.detect_contacts(drifted, rate, 50.0, 20.0, drift_correction=True)
    assert len(fixed) == len(truth)
    assert abs(fixed[["on_s", "off_s"]].to_numpy() - truth).max() < 1.0 / rate


# ----------------------------------------------------------------------------- flags from Python

def test_partial_and_nan_flags():
    fz = np.zeros(300)
    fz[:30] = 700.0                 # loaded at the start
    fz[100:150] = 700.0
    fz[120] = np.nan                # NaN inside: times known, flagged
    fz[200:260] = 700.0
    fz[195:205] = np.nan            # rising edge inside a gap: on unknown
    fz[280:] = 700.0                # still loaded at the end
    c = gaitcore.detect_contacts(fz, 100.0)
    assert list(c.partial) == [True, False, False, True]
    assert list(c.touches_nan) == [False, True, True, False]
    assert np.isnan(c.on_s[0]) and np.isnan(c.contact_s[0]) and np.isnan(c.off_s[3])
    assert np.isclose(c.on_s[1], (99 + 20 / 700) / 100) and np.isfinite(c.contact_s[1])
    assert np.isnan(c.on_s[2]) and np.isfinite(c.off_s[2]) and np.isnan(c.contact_s[2])


def test_merged_flag_and_integer_input():
    fz = np.zeros(200, dtype=np.int32)
    fz[50:80] = 500
    fz[81:120] = 500                # a one-sample dip: flight 0.01 s < 0.02 s
    c = gaitcore.detect_contacts(fz, 100.0)
    assert len(c) == 1 and bool(c.merged[0])
    assert len(gaitcore.detect_contacts(fz, 100.0, min_flight_s=0.0)) == 2


# ----------------------------------------------------------------------------- real trials

@pytest.fixture(scope="module")
def walk():
    return gaitcore.read_trial(datasets.path("walk.c3d"))


@pytest.fixture(scope="module")
def run():
    return gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
                               grf=datasets.path("Rajagopal_grf_run.mot"))


def _match(found, stored, tol_s):
    """For each found event, the stored event of the same side and kind nearest in time."""
    errors = []
    for row in found.itertuples():
        same = stored[(stored.side == row.side) & (stored.event == row.event)]
        assert len(same), row
        errors.append(float(np.min(np.abs(same.time_s.to_numpy() - row.time_s))))
    return np.array(errors)


@pytest.mark.parametrize("cutoff", [None, 50.0])
def test_walk_force_events_match_stored(walk, cutoff):
    ev = gaitcore.detect_events(walk, method="force", threshold=10.0, force_cutoff_hz=cutoff)
    # FP4 (R), FP2 (L): two complete contacts; FP1 is still loaded at the end of the
    # record: its IC is known (R, the heel over the plate) and its TO is not; FP3 is never loaded
    assert sorted(zip(ev.side, ev.event)) == [("L", "IC"), ("L", "TO"), ("R", "IC"), ("R", "IC"), ("R", "TO")]
    err = _match(ev, walk.events, 0.002)
    print(f"\nwalk.c3d force events at 10 N (cutoff {cutoff}): |error| vs stored (ms) {np.round(1000 * err, 2)}")
    # the complete contacts within 2 ms; FP1's IC (loaded by a foot already on it?) 5 ms late
    assert err[ev.source.to_numpy() != "FP1"].max() <= 0.002 and err.max() <= 0.015
    assert ev.order_ok.all()
    assert set(ev.source) == {"FP1", "FP2", "FP4"}


def test_run_force_events(run):
    ev = gaitcore.detect_events(run, method="force")
    ic = ev[ev.event == "IC"]
    assert abs((ic.side == "R").sum() - 7) <= 1 and abs((ic.side == "L").sum() - 7) <= 1
    assert ev.order_ok.all() and (ev.method == "force").all()
    st = gaitcore.spatiotemporal(ev, run)
    contact = st.contact_ms.dropna()
    print(f"\nRajagopal: contact {contact.min():.1f}-{contact.max():.1f} ms, "
          f"cadence {st.attrs['cadence_steps_per_min']:.2f} steps/min")
    assert contact.between(230, 260).all() and len(contact) >= 13
    assert abs(st.attrs["cadence_steps_per_min"] - 174) < 2
    np.testing.assert_allclose(st.duty_factor.dropna(), st.contact_ms.dropna()[:len(st.duty_factor.dropna())]
                               / st.stride_ms.dropna(), rtol=1e-12)
    # duty factor in the docs/methods.md range for ~170 steps/min running
    assert st.duty_factor.dropna().between(0.31, 0.42).all()


def test_single_belt_side_from_cop(run):
    # the two per-foot forces summed into one physical belt (side unknown, no corners):
    # each contact must be given to the foot nearest the centre of pressure
    r, l = run.plates
    force = r.force + l.force
    w_r, w_l = np.nan_to_num(r.fz)[:, None], np.nan_to_num(l.fz)[:, None]
    with np.errstate(invalid="ignore"):
        cop = (np.nan_to_num(r.cop) * w_r + np.nan_to_num(l.cop) * w_l) / (w_r + w_l)
    belt = ForcePlate(force=force, cop=cop, free_moment=np.zeros(len(force)), rate=r.rate, name="belt")
    one = Trial(markers=run.markers, marker_rate=run.marker_rate, plates=[belt])
    got = gaitcore.detect_events(one, method="force")
    want = gaitcore.detect_events(run, method="force")
    # the first contact is open at the start of the record: its TO still goes to the right foot
    assert list(got.side) == list(want.side) and list(got.event) == list(want.event)
    np.testing.assert_allclose(got.time_s, want.time_s, atol=1e-3)


KINEMATIC_LIMITS_MS = {"IC": 15.0, "TO": 20.0}


@pytest.mark.parametrize("method", gaitcore.events.KINEMATIC_METHODS)
def test_kinematic_vs_force(run, method):
    force = gaitcore.detect_events(run, method="force")
    kin = gaitcore.detect_events(run, method=method)
    assert (kin.method == method).all()
    summary = {}
    for kind in ("IC", "TO"):
        errs = []
        for row in force[force.event == kind].itertuples():
            cand = kin[(kin.side == row.side) & (kin.event == kind)].time_s.to_numpy()
            if len(cand) and np.min(np.abs(cand - row.time_s)) < 0.15:
                errs.append(cand[np.argmin(np.abs(cand - row.time_s))] - row.time_s)
        errs = 1000 * np.array(errs)
        summary[kind] = (len(errs), np.abs(errs).mean(), np.abs(errs).max(), errs.mean())
        print(f"\n{method} {kind}: {len(errs)} matched, mean |error| {np.abs(errs).mean():.1f} ms, "
              f"max {np.abs(errs).max():.1f} ms, bias {errs.mean():+.1f} ms")
    if method == "clearance":
        for kind, limit in KINEMATIC_LIMITS_MS.items():
            n, mae, _, _ = summary[kind]
            assert n >= 13 and mae <= limit, (kind, summary[kind])
        assert kin.order_ok.all()


def test_auto_prefers_plates_and_fills_with_markers(run):
    # drop the left plate: auto must take left events from markers, right from the plate
    partial = Trial(markers=run.markers, marker_rate=run.marker_rate, plates=[run.plates[0]])
    ev = gaitcore.detect_events(partial, method="auto")
    assert set(ev[ev.side == "R"].method) == {"force"}
    assert set(ev[ev.side == "L"].method) == {"clearance"}
    assert (ev.side == "L").sum() >= 13
    both = gaitcore.detect_events(run, method="auto")
    assert (both.method == "force").all()


def test_auto_searches_markers_only_where_the_split_force_is_missing(run, monkeypatch):
    # both feet's force cover the whole recording: marker events would only duplicate them
    def refuse(*args):
        raise AssertionError("markers searched although the force covers both feet")
    with monkeypatch.context() as m:
        m.setattr(gaitcore.events, "_marker_events", refuse)
        covered = gaitcore.detect_events(run, method="auto")
    pd.testing.assert_frame_equal(covered, gaitcore.detect_events(run, method="force"))
    # a NaN stretch in the left force: markers give the left events inside it
    r, l = run.plates
    l_force = l.force.copy()
    l_force[900:1300] = np.nan
    gap = ForcePlate(force=l_force, cop=l.cop, free_moment=l.free_moment, rate=l.rate, name="L", side="L")
    ev = gaitcore.detect_events(Trial(markers=run.markers, marker_rate=run.marker_rate, plates=[r, gap]))
    inside = ev[(ev.side == "L") & ev.time_s.between(0.9, 1.3)]
    assert len(inside) and set(inside.method) == {"clearance"}
    assert set(ev[ev.side == "R"].method) == {"force"}


def test_order_violation_is_flagged(run):
    # remove one left contact from the left plate: two right ICs in a row must be flagged
    r, l = run.plates
    l_force = l.force.copy()
    l_force[950:1250, 2] = 0.0  # the left contact at about 0.98-1.22 s
    cut = ForcePlate(force=l_force, cop=l.cop, free_moment=l.free_moment, rate=l.rate, name="L", side="L")
    ev = gaitcore.detect_events(Trial(markers={}, marker_rate=100.0, plates=[r, cut]), method="force")
    bad = ev[~ev.order_ok]
    assert len(bad) == 1 and bad.iloc[0].side == "R" and bad.iloc[0].event == "IC"
    assert 1.3 < bad.iloc[0].time_s < 1.35
    st = gaitcore.spatiotemporal(ev)
    assert not np.isclose(st.ic_s, bad.iloc[0].time_s).any()  # flagged events are left out


def test_zeni_on_walking_markers(walk):
    ev = gaitcore.detect_events(walk, method="zeni")
    assert set(ev.event) == {"IC", "TO"} and ev.order_ok.all()
    err = _match(ev, walk.events, 0.1)
    print(f"\nzeni on walk.c3d vs stored events: |error| (ms) {np.round(1000 * err, 1)}")
    assert err.max() < 0.05  # Zeni on this slow overground walk: ~10-40 ms early


# ----------------------------------------------------------------------------- spatiotemporal

def test_spatiotemporal_hand_computed():
    ev = pd.DataFrame({"side": ["R", "R", "L", "L", "R", "R", "L"],
                       "event": ["IC", "TO", "IC", "TO", "IC", "TO", "IC"],
                       "time_s": [0.0, 0.25, 0.35, 0.6, 0.7, 0.95, 1.05]})
    st = gaitcore.spatiotemporal(ev)
    first = st.iloc[0]
    assert first.side == "R"
    assert np.isclose(first.contact_ms, 250) and np.isclose(first.step_ms, 350)
    assert np.isclose(first.stride_ms, 700) and np.isclose(first.flight_ms, 100)
    assert np.isclose(first.duty_factor, 250 / 700) and np.isclose(first.cadence_steps_per_min, 60 / 0.35)
    assert np.isnan(first.step_length_mm)  # no trial
    assert np.isclose(st.attrs["cadence_steps_per_min"], 60 * 3 / 1.05)
    assert np.isnan(st.iloc[-1].to_s) and np.isnan(st.iloc[-1].stride_ms)


def test_spatiotemporal_step_length_width():
    # heels walking along +x at 1 m/s, 0.1 m apart; R lands at t = 0, L at 0.5 s
    rate = 100.0
    t = np.arange(200) / rate
    heel_r = np.c_[1000 * t, -50 + 0 * t, 0 * t]
    heel_l = np.c_[1000 * t, 50 + 0 * t, 0 * t]
    heel_r[:, 0] = 0.0            # R heel planted at x = 0
    heel_l[:, 0] = 600.0          # L heel planted at x = 600
    markers = {"RHEE": heel_r, "LHEE": heel_l, "RTOE": heel_r + [200, 0, 0], "LTOE": heel_l + [200, 0, 0]}
    trial = Trial(markers=markers, marker_rate=rate)
    ev = pd.DataFrame({"side": ["R", "L"], "event": ["IC", "IC"], "time_s": [0.0, 0.5]})
    st = gaitcore.spatiotemporal(ev, trial)
    assert np.isclose(st.step_length_mm[0], 600.0) and np.isclose(st.step_width_mm[0], 100.0)


# ----------------------------------------------------------------------------- bad input

def test_all_zero_gives_empty():
    c = gaitcore.detect_contacts(np.zeros(500), 1000.0)
    assert len(c) == 0 and list(c.columns) == ["on_s", "off_s", "contact_s", "partial", "touches_nan", "merged"]


def test_all_nan_gives_empty():
    assert len(gaitcore.detect_contacts(np.full(500, np.nan), 1000.0)) == 0


def test_constantly_loaded_gives_one_partial_contact():
    c = gaitcore.detect_contacts(np.full(500, 700.0), 1000.0)
    assert len(c) == 1 and c.partial[0] and np.isnan(c.on_s[0]) and np.isnan(c.off_s[0])


def test_constantly_loaded_drift_correction_raises():
    with pytest.raises(ValueError, match="drift_correction needs at least one flight"):
        gaitcore.detect_contacts(np.full(500, 700.0), 1000.0, drift_correction=True)


@pytest.mark.parametrize("rate", [0.0, -100.0, float("nan"), float("inf")])
def test_bad_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        gaitcore.detect_contacts(np.zeros(10), rate)


def test_negative_threshold():
    with pytest.raises(ValueError, match="threshold"):
        gaitcore.detect_contacts(np.zeros(10), 100.0, threshold=-20.0)


def test_negative_off_threshold():
    with pytest.raises(ValueError, match="off_threshold"):
        gaitcore.detect_contacts(np.zeros(10), 100.0, off_threshold=-1.0)


def test_off_above_on():
    with pytest.raises(ValueError, match="off_threshold .* must not exceed threshold"):
        gaitcore.detect_contacts(np.zeros(10), 100.0, threshold=20.0, off_threshold=50.0)


def test_negative_min_contact():
    with pytest.raises(ValueError, match="min_contact_s"):
        gaitcore.detect_contacts(np.zeros(10), 100.0, min_contact_s=-0.1)


def test_two_d_input():
    with pytest.raises(ValueError, match="fz must have at most 1 dimension"):
        gaitcore.detect_contacts(np.zeros((10, 3)), 100.0)


def test_empty_input():
    with pytest.raises(ValueError, match="fz is empty"):
        gaitcore.detect_contacts(np.zeros(0), 100.0)


def test_infinite_input():
    fz = np.zeros(10)
    fz[3] = np.inf
    with pytest.raises(ValueError, match="fz contains infinite values"):
        gaitcore.detect_contacts(fz, 100.0)


def test_non_numeric_input():
    with pytest.raises(TypeError, match="fz must be a real numeric array"):
        gaitcore.detect_contacts(np.zeros(10, dtype=bool), 100.0)


def test_core_rejects_two_d_directly():
    with pytest.raises(ValueError, match="1-D"):
        gaitcore._core.detect_contacts(np.zeros((4, 4)), 100.0, 20.0, 20.0, 0.1, 0.02)


def test_detect_events_bad_method(run):
    with pytest.raises(ValueError, match="method must be one of"):
        gaitcore.detect_events(run, method="footswitch")


def test_detect_events_not_a_trial():
    with pytest.raises(TypeError, match="trial must be a gaitcore.Trial"):
        gaitcore.detect_events({"markers": {}})


def test_detect_events_force_without_plates():
    with pytest.raises(ValueError, match="needs force plates"):
        gaitcore.detect_events(Trial(markers={}, marker_rate=100.0), method="force")


def test_detect_events_missing_markers():
    trial = Trial(markers={"LHEE": np.zeros((50, 3))}, marker_rate=100.0)
    with pytest.raises(ValueError, match="needs foot markers .*none on R"):
        gaitcore.detect_events(trial, method="hreljac")


def test_spatiotemporal_bad_input():
    with pytest.raises(TypeError, match="events must be a pandas DataFrame"):
        gaitcore.spatiotemporal([("R", "IC", 0.0)])
    with pytest.raises(ValueError, match="lacks the column"):
        gaitcore.spatiotemporal(pd.DataFrame({"side": ["R"], "time_s": [0.0]}))


def test_docstring_examples():
    failures, tried = doctest.testmod(events, verbose=False)
    assert tried >= 3 and failures == 0


def test_walk_partial_plate_gives_its_known_end(walk):
    # FP1 is loaded from 1.227 s to the end of the record: an IC without a TO
    ev = gaitcore.detect_events(walk, method="force")
    fp1 = ev[ev.source == "FP1"]
    assert list(zip(fp1.side, fp1.event)) == [("R", "IC")]
    assert abs(fp1.time_s.iloc[0] - 1.22) < 0.010  # stored (10 N): 1.2200 s


def test_cop_leaving_plate_rejects_contact(walk):
    # FP4's CoP runs over y = -472..-262 mm: moving the plate's corners 150 mm towards +y
    # puts the early-stance CoP off the plate, so its contact must be rejected
    fp4 = next(p for p in walk.plates if p.name == "FP4")
    moved = ForcePlate(force=fp4.force, cop=fp4.cop, free_moment=fp4.free_moment, rate=fp4.rate,
                       corners=fp4.corners + [0.0, 150.0, 0.0], name="FP4moved")
    trial = Trial(markers=walk.markers, marker_rate=walk.marker_rate, plates=[moved, fp4])
    with pytest.warns(UserWarning, match="plate FP4moved .*CoP leaves the plate under load"):
        ev = gaitcore.detect_events(trial, method="force")
    assert set(ev.source) == {"FP4"} and len(ev) == 2


def test_walking2_cop_off_plate_contacts(walking2_c3d):
    # on walking2.c3d both heel strikes land partly off their plates: the CoP lies outside
    # the corners only under light load (the first samples above 20 N), so the contacts are
    # kept; with the check at every loaded sample (cop_load_share=0, no margin) they are not
    trial = gaitcore.read_trial(walking2_c3d)
    ev = gaitcore.detect_events(trial, method="force")
    assert list(zip(ev.side, ev.event)) == [("L", "IC"), ("R", "IC"), ("L", "TO"), ("R", "TO")]
    off = gaitcore.detect_events(trial, method="force", cop_on_plate=False)
    pd.testing.assert_frame_equal(ev, off)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(gaitcore.events, "COP_LOAD_SHARE", 0.0)
        m.setattr(gaitcore.events, "COP_MARGIN_MM", 0.0)
        with pytest.warns(UserWarning, match="CoP leaves the plate"):
            assert len(gaitcore.detect_events(trial, method="force")) == 0


def test_kinematic_offset(run):
    base = gaitcore.detect_events(run, method="hreljac")
    shifted = gaitcore.detect_events(run, method="hreljac", kinematic_offset_s=(0.01, -0.02))
    d = shifted.time_s.to_numpy() - base.time_s.to_numpy()
    assert np.allclose(d[base.event == "IC"], 0.01) and np.allclose(d[base.event == "TO"], -0.02)
    with pytest.raises(TypeError, match="kinematic_offset_s must be a pair"):
        gaitcore.detect_events(run, method="hreljac", kinematic_offset_s=0.01)


def test_max_contact_drops_long_contacts():
    fz = np.zeros(3000)
    fz[100:400] = 700.0     # 0.3 s
    fz[600:1400] = 700.0    # 0.8 s
    assert len(gaitcore.detect_contacts(fz, 1000.0)) == 2
    kept = gaitcore.detect_contacts(fz, 1000.0, max_contact_s=0.6)
    assert len(kept) == 1 and np.isclose(kept.on_s[0], (99 + 20 / 700) / 1000)
    with pytest.raises(ValueError, match="max_contact_s .* must exceed min_contact_s"):
        gaitcore.detect_contacts(fz, 1000.0, max_contact_s=0.05)


def test_kinematic_events_skip_marker_gaps(run):
    # a 0.3 s gap in the right heel: no right IC is invented inside or next to it (a foot's
    # stances are found only where all its markers are seen), the other events are unchanged
    markers = dict(run.markers)
    heel = markers["RHEE"].copy()
    heel[120:150] = np.nan  # 1.20-1.50 s, around the right IC at ~1.32 s
    markers["RHEE"] = heel
    gappy = Trial(markers=markers, marker_rate=run.marker_rate)
    full = gaitcore.detect_events(run, method="clearance")
    ev = gaitcore.detect_events(gappy, method="clearance")
    r_ic = ev[(ev.side == "R") & (ev.event == "IC")].time_s
    assert not r_ic.between(1.1, 1.6).any()
    assert len(r_ic) == ((full.side == "R") & (full.event == "IC")).sum() - 1
    left = ev[ev.side == "L"].time_s.to_numpy()
    np.testing.assert_allclose(left, full[full.side == "L"].time_s.to_numpy(), atol=1e-9)
    # the missing IC breaks R's IC -> TO -> IC order and the L/R alternation: flagged
    assert not ev.order_ok.all()


def test_detect_events_bad_threshold_not_swallowed(run):
    with pytest.raises(ValueError, match="threshold must be finite and > 0"):
        gaitcore.detect_events(run, method="force", threshold=-5.0, drift_correction=True)


def test_detect_events_drift_correction_on_unloaded_plate(walk):
    # FP3 is never loaded: drift correction has no flight to use there and gives nothing;
    # FP1 is loaded until the end (its flight before the contact is used)
    ev = gaitcore.detect_events(walk, method="force", drift_correction=True)
    assert set(ev.source) == {"FP1", "FP2", "FP4"}


# ----------------------------------------------------------------------------- one belt under both feet

def _single_belt_trial(seed: int, cop: bool):
    """60 s of running on one 1 kHz plate under both feet (contacts alternate R, L), noise
    3 N and a slow drift of up to 15 N; heel markers at 100 Hz, 200 mm apart, each low
    during its own contacts.  The CoP sits under the loading foot (NaN when ``cop`` is
    False).  Returns the trial and the true (side, IC, TO) of each contact."""
    rate = 1000.0
    fz, truth, _ = synthetic_run(rate, seed=seed, duration_s=60.0, drift_n=15.0)
    sides = np.array(["R", "L"] * len(truth))[:len(truth)]
    t = np.arange(fz.size) / rate
    y = np.full(fz.size, np.nan)
    frames = np.arange(int(60.0 * 100)) / 100.0
    heel_z = {s: np.full(frames.size, 120.0) for s in "LR"}
    for side, (on, off) in zip(sides, truth):
        inside = (t >= on) & (t <= off)
        y[inside] = 100.0 if side == "L" else -100.0
        heel_z[side][(frames >= on - 0.01) & (frames <= off)] = 20.0
    cop_xyz = np.column_stack([np.where(np.isfinite(y), 0.0, np.nan), y, np.where(np.isfinite(y), 0.0, np.nan)])
    if not cop:
        cop_xyz[:] = np.nan
    force = np.column_stack([np.zeros_like(fz), np.zeros_like(fz), fz])
    belt = ForcePlate(force=force, cop=cop_xyz, free_moment=np.zeros(fz.size), rate=rate, name="belt")
    markers = {f"{s}HEE": np.column_stack([np.zeros(frames.size), np.full(frames.size, 100.0 if s == "L" else -100.0),
                                           heel_z[s]]) for s in "LR"}
    return Trial(markers=markers, marker_rate=100.0, plates=[belt]), sides, truth


@pytest.mark.parametrize("cop", [True, False])
def test_single_plate_under_both_feet(cop):
    # every contact found and given to the right foot (from the CoP, or from the lower foot
    # when the CoP is missing); times within one sample (1 ms) of the noise-free crossings
    trial, sides, truth = _single_belt_trial(seed=3, cop=cop)
    ev = gaitcore.detect_events(trial, method="force", threshold=50.0, off_threshold=20.0, force_cutoff_hz=None)
    ic, to = ev[ev.event == "IC"], ev[ev.event == "TO"]
    assert len(ic) == len(to) == len(truth)
    assert list(ic.side) == list(sides) and list(to.side) == list(sides)
    err = np.column_stack([ic.time_s, to.time_s]) - truth
    print(f"\none belt under both feet, 60 s at 1 kHz, CoP {cop}: {len(truth)} contacts, sides all right, "
          f"max |error| IC {1000 * abs(err[:, 0]).max():.3f} ms, TO {1000 * abs(err[:, 1]).max():.3f} ms")
    assert abs(err).max() < 1e-3
    assert ev.order_ok.all()


def test_counted_cadence_from_the_same_ics():
    # ICs every 0.5 s alternating feet; two flagged out of order and left out: the count
    # and the span come from the remaining steps, 120 steps/min (not 72)
    t = np.arange(8) * 0.5
    ev = pd.DataFrame({"side": ["L", "R"] * 4, "event": ["IC"] * 8, "time_s": t,
                       "order_ok": [True, True, True, False, True, False, True, True]})
    st = gaitcore.spatiotemporal(ev)
    assert st.attrs["cadence_steps_per_min"] == pytest.approx(120.0)
    all_ok = gaitcore.spatiotemporal(ev.assign(order_ok=True))
    assert all_ok.attrs["cadence_steps_per_min"] == pytest.approx(120.0)
    assert np.isnan(gaitcore.spatiotemporal(ev.iloc[:1]).attrs["cadence_steps_per_min"])


def test_event_quality_reports_each_problem_with_its_reason(run):
    ev = gaitcore.detect_events(run, method="force")
    clean = gaitcore.event_quality(ev)
    assert clean["gait_mode"] == "running" and clean["order_violations"] == []
    assert clean["implausible_contacts"] == [] and clean["strides_rejected"] == []
    assert clean["strides"] == {"L": 6, "R": 6}
    # drop one left contact (IC and TO): two right ICs in a row, a long left stride
    cut = ev[~ev.time_s.between(0.95, 1.25) | (ev.side == "R")]
    cut.attrs.update(ev.attrs)
    q = gaitcore.event_quality(cut)
    assert [v["reason"] for v in q["order_violations"]] == ["two ICs of foot R in a row (the other foot's IC is missing)"]
    reasons = {(r["side"], r["reason"].split(":")[0].split(",")[0]) for r in q["strides_rejected"]}
    assert ("R", "an event of this foot inside breaks the IC/TO order") in reasons
    assert any(r["side"] == "L" and "a contact was missed" in r["reason"] for r in q["strides_rejected"])
    # a 50 ms "contact" in running is implausible
    short = pd.concat([ev, pd.DataFrame({"side": ["L", "L"], "event": ["IC", "TO"], "time_s": [4.9, 4.95]})])
    short.attrs.update(ev.attrs)
    bad = gaitcore.event_quality(short)["implausible_contacts"]
    assert len(bad) == 1 and bad[0]["ic_s"] == 4.9 and "outside 80-600 ms for running" in bad[0]["reason"]


def test_analysis_reports_event_quality(run):
    report = gaitcore.analyze_trial(run)
    assert report.quality["events"]["gait_mode"] == "running"
    assert report.quality["events"]["strides"]["L"] >= 5


def test_markers_nan_throughout_are_ignored(run):
    # a sacrum marker present but NaN in every frame is not taken: zeni uses the PSIS
    with_sacr = dict(run.markers, SACR=np.full_like(run.markers["LPSI"], np.nan))
    ev = gaitcore.detect_events(Trial(markers=with_sacr, marker_rate=run.marker_rate), method="zeni")
    pd.testing.assert_frame_equal(ev, gaitcore.detect_events(run, method="zeni"))
    assert set(ev.source.str.split(",").str[-1]) == {"LPSI+RPSI"}
    # a heel NaN throughout: the foot is found from its toe and MT5
    no_heel = dict(run.markers, RHEE=np.full_like(run.markers["RHEE"], np.nan))
    assert "heel" not in gaitcore.events.foot_points(no_heel, "R")
    assert set(gaitcore.events.foot_points(no_heel, "R")) == {"toe", "forefoot:RMT5"}
    ev = gaitcore.detect_events(Trial(markers=no_heel, marker_rate=run.marker_rate), method="clearance")
    assert ((ev.side == "R") & (ev.event == "IC")).sum() >= 6


def test_foot_markers_come_from_the_roles_api(running_c3d):
    # Running_0002.c3d (Qualisys names): heel, MT1, MT5 and a phalanx marker as toe
    trial = gaitcore.read_trial(running_c3d)
    assert set(gaitcore.events.foot_points(trial.markers, "R")) == {"heel", "toe", "forefoot:RMT1", "forefoot:RMT5"}
