"""Benchmark: all joint angles of a 10-minute, 200 Hz full-body trial (120 000 frames).

gaitcore (C core through gaitcore.kinematics.build_model, no filtering or gap filling)
against a vectorised NumPy version of the same definitions, with
scipy.spatial.transform.Rotation for the Cardan part.  The trial is walk.c3d's CGM lower
body tiled to 10 minutes, plus thorax markers (C7, T10, CLAV, STRN) carried by the
pelvis.  Both versions are checked to agree before timing.  Prints frames per second and
the ratio (target >= 5x).

Second part: the least-squares rigid fit of a 4-marker cluster (gaitcore.markersets.rigid_fit,
closed-form quaternion in C) per frame against a vectorised NumPy-SVD Kabsch fit, 12 000
frames with random poses and 0.5 mm noise, best of 10; prints us/frame and the ratio.  Not a
test.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
from scipy.spatial.transform import Rotation

import gaitcore
from gaitcore.kinematics import build_model
from gaitcore.markersets import rigid_fit

RATE, MINUTES = 200.0, 10


def full_body_trial():
    walk = gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))
    n = int(RATE * 60 * MINUTES)
    reps = -(-n // walk.n_frames)
    names = ["LASI", "RASI", "LPSI", "RPSI"] + [s + k for s in "LR" for k in ("THI", "KNE", "TIB", "ANK", "TOE", "HEE")]
    rng = np.random.default_rng(0)
    m = {k: np.tile(walk.markers[k], (reps, 1))[:n] + rng.normal(0, 0.5, (n, 3)) for k in names}
    pelvis = 0.25 * (m["LASI"] + m["RASI"] + m["LPSI"] + m["RPSI"])
    fwd = np.array([0.0, 1.0, 0.0])
    for name, off in (("C7", (0, -80, 550)), ("T10", (0, -110, 300)), ("CLAV", (0, 60, 480)), ("STRN", (0, 90, 330))):
        m[name] = pelvis + np.array(off) + rng.normal(0, 2.0, (n, 3)) + 0 * fwd
    return gaitcore.Trial(markers=m, marker_rate=RATE, metadata=dict(walk.metadata))


# ---- the NumPy/SciPy peer: the same definitions, vectorised ---------------------------------

def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def frames(x, y, z):
    return np.stack([x, y, z], axis=-1)  # columns are the axes


def chord(prox, wand, lat, medial, delta):
    u = prox - lat
    length = np.linalg.norm(u, axis=1, keepdims=True)
    u = u / length
    w = wand - lat
    v = unit(w - np.sum(w * u, axis=1, keepdims=True) * u)
    v = np.where(np.sum(v * medial, axis=1, keepdims=True) < 0, -v, v)
    c = delta / length
    return lat + delta * (c * u + np.sqrt(1 - c * c) * v)


def segment(prox, dist, lat, side):
    y = unit(prox - dist)
    x = unit(np.cross(y, lat - prox) if side > 0 else np.cross(lat - prox, y))
    return frames(x, y, np.cross(x, y))


def numpy_angles(m, meta, prog):
    o = 0.5 * (m["LASI"] + m["RASI"])
    z = unit(m["RASI"] - m["LASI"])
    x = o - 0.5 * (m["LPSI"] + m["RPSI"])
    x = unit(x - np.sum(x * z, axis=1, keepdims=True) * z)
    pelvis = frames(x, np.cross(z, x), z)
    pw = meta["inter_asis_mm"]
    pd = np.nanmedian(np.linalg.norm(o - 0.5 * (m["LPSI"] + m["RPSI"]), axis=1))
    out = {}
    euler = lambda p, d, seq: Rotation.from_matrix(np.einsum("...ji,...jk->...ik", p, d)).as_euler(seq, degrees=True)
    pel = euler(np.broadcast_to(prog, pelvis.shape), pelvis, "YXZ")
    out["pelvis"] = np.stack([-pel[:, 2], -pel[:, 1], pel[:, 0]], axis=1)
    for side, s in (("L", -1), ("R", 1)):
        hjc = o + pelvis @ np.array([-0.24 * pd - 9.9, -0.30 * pw - 10.9, s * (0.33 * pw + 7.3)])
        medial = -s * pelvis[:, :, 2]
        kjc = chord(hjc, m[side + "THI"], m[side + "KNE"], medial, meta[f"knee_width_mm_{side}"] / 2 + 7)
        thigh = segment(hjc, kjc, m[side + "KNE"], s)
        ajc = chord(kjc, m[side + "TIB"], m[side + "ANK"], -s * thigh[:, :, 2], meta[f"ankle_width_mm_{side}"] / 2 + 7)
        shank = segment(kjc, ajc, m[side + "ANK"], s)
        fx = unit(m[side + "TOE"] - ajc)
        fz = shank[:, :, 2]
        fz = unit(fz - np.sum(fz * fx, axis=1, keepdims=True) * fx)
        foot = frames(fx, np.cross(fz, fx), fz)
        sign = np.array([1.0, s, s])
        out[f"{side}_hip"] = euler(pelvis, thigh, "ZXY") * sign
        out[f"{side}_knee"] = euler(thigh, shank, "ZXY") * sign * np.array([-1, 1, 1])
        out[f"{side}_ankle"] = euler(shank, foot, "ZXY") * sign
        out[f"hjc_{side}"] = hjc
    upper, lower = 0.5 * (m["CLAV"] + m["C7"]), 0.5 * (m["STRN"] + m["T10"])
    ty = unit(upper - lower)
    tz = unit(np.cross(0.5 * (m["CLAV"] + m["STRN"]) - 0.5 * (m["C7"] + m["T10"]), ty))
    thorax = frames(np.cross(ty, tz), ty, tz)
    th = euler(np.broadcast_to(prog, thorax.shape), thorax, "YXZ")
    out["thorax"] = np.stack([-th[:, 2], -th[:, 1], th[:, 0]], axis=1)
    e = upper - 0.5 * (out.pop("hjc_L") + out.pop("hjc_R"))  # trunk lean: mean of C7 and CLAV over mid-HJC
    out["trunk_lean"] = np.degrees(np.arctan2(e @ prog[:, 0], e @ prog[:, 1]))
    return out


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main():
    trial = full_body_trial()
    n = trial.n_frames
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = lambda: build_model(trial, cutoff_hz=None, max_gap_s=0)
        t_ours, km = best_of(ours)
    prog = km.progression
    t_peer, peer = best_of(lambda: numpy_angles(trial.markers, trial.metadata, prog))
    worst = max(np.nanmax(np.abs(km.angles[k] - peer[k])) for k in peer)
    print(f"{n} frames ({MINUTES} min at {RATE:g} Hz), full body (pelvis, thorax, hips, knees, ankles, trunk lean)")
    print(f"  agreement gaitcore vs NumPy/SciPy: max |diff| = {worst:.2e} deg")
    print(f"  gaitcore (C core):     {t_ours * 1e3:8.1f} ms  {n / t_ours:12.0f} frames/s")
    print(f"  NumPy + SciPy Rotation:{t_peer * 1e3:8.1f} ms  {n / t_peer:12.0f} frames/s")
    print(f"  ratio: {t_peer / t_ours:.1f}x (target >= 5x)")


# ---- rigid fit of a cluster: NumPy-SVD Kabsch as the peer --------------------------------------

def numpy_kabsch(reference, points):
    """Soderkvist & Wedin 1993 with numpy.linalg.svd over all frames (no gaps)."""
    a = reference.mean(axis=0)
    b = points.mean(axis=1)
    h = np.einsum("ki,nkj->nij", reference - a, points - b[:, None, :])
    u, _, vt = np.linalg.svd(h)
    v = np.swapaxes(vt, 1, 2)
    d = np.sign(np.linalg.det(v @ np.swapaxes(u, 1, 2)))
    v[:, :, 2] *= d[:, None]
    rot = v @ np.swapaxes(u, 1, 2)
    return rot, b - np.einsum("nij,j->ni", rot, a)


def rigid_fit_benchmark(n=12_000):
    rng = np.random.default_rng(1)
    ref = np.array([[0.0, 0, 0], [100, 0, 0], [0, 80, 0], [30, 40, 60]])
    rot = Rotation.random(n, random_state=2).as_matrix()
    pts = np.einsum("nij,kj->nki", rot, ref) + rng.normal(0, 500, (n, 1, 3)) + rng.normal(0, 0.5, (n, 4, 3))
    r_ours, _ = rigid_fit(ref, pts)
    r_peer, _ = numpy_kabsch(ref, pts)
    t_ours = best_of(lambda: rigid_fit(ref, pts), repeats=10)[0]
    t_peer = best_of(lambda: numpy_kabsch(ref, pts), repeats=10)[0]
    print(f"rigid fit of a 4-marker cluster, {n} frames, 0.5 mm noise")
    print(f"  agreement gaitcore vs NumPy SVD: max |diff| = {np.max(np.abs(r_ours - r_peer)):.2e} (rotation)")
    print(f"  gaitcore (C, quaternion): {t_ours / n * 1e6:6.3f} us/frame")
    print(f"  NumPy SVD (Kabsch):       {t_peer / n * 1e6:6.3f} us/frame")
    print(f"  ratio: {t_peer / t_ours:.1f}x")


if __name__ == "__main__":
    main()
    rigid_fit_benchmark()
