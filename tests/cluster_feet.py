"""Real trials with plates seen through cluster-only feet, as a Running Injury Clinic (RIC)
lab records them: each foot carries a rigid 4-marker cluster on the shoe's heel counter and
no heel, toe or metatarsal marker.

``cluster_only(trial)`` builds, per frame, the foot frame of the trial's own foot markers
(x from the heel to the toe or the metatarsal heads, z up through the foot, y = z x x), puts
the RIC-like cluster CLUSTER_MM in it (origin at the heel marker) and returns a trial that
has only the two clusters (RIC names ``{S}_foot_1..4``) and its plates: heel, toe and
metatarsal markers are hidden.  ``cluster_static(static)`` does the same to the subject's
static trial and adds its malleoli as ``{S}_lat_ankle``/``{S}_med_ankle`` so that the RIC
preset defines the virtual heel and toe in it (gaitcore.markersets).

The cluster geometry follows the RIC static trial (datasets/20141003T073938_static.c3d): its
foot markers lie 0-53 mm above the lowest of them and within about 30 mm of each other
across and 20 mm along the foot, 70-90 mm behind the ankle centre, i.e. on the heel counter.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from gaitcore.events import foot_points
from gaitcore.markersets import resolve_landmarks

SIDES = ("L", "R")
#: cluster marker positions (mm) in the foot frame: x forward (heel -> toe), y to the
#: subject's left, z up, origin at the heel marker
CLUSTER_MM = np.array([[-10.0, -15.0, 8.0], [-12.0, 15.0, 10.0], [-8.0, 0.0, 62.0], [-15.0, -5.0, 30.0]])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _foot_frame(markers: dict, side: str) -> tuple[np.ndarray, np.ndarray]:
    """(origin (n, 3), rotation (n, 3, 3) with the frame's axes as columns) of one foot."""
    pts = foot_points(markers, side)
    heel = pts["heel"]
    fore = [xyz for role, xyz in pts.items() if role.startswith("forefoot:")]
    front = pts["toe"] if "toe" in pts else np.mean(fore, axis=0)
    x = _unit(front - heel)
    if len(fore) >= 2:  # metatarsal heads across the foot
        across = fore[1] - fore[0]
    elif fore:
        across = fore[0] - heel
    else:  # heel and toe only (walk.c3d): the lateral malleolus gives the roll
        ankle = resolve_landmarks(dict(markers)).get("ankle_lat", side)
        across = np.cross(ankle - heel, x)
    z = _unit(np.cross(x, across))
    flip = np.nanmedian(z[:, 2]) < 0
    z = -z if flip else z
    y = np.cross(z, x)
    return heel, np.stack([x, y, z], axis=-1)


def _cluster(markers: dict, side: str) -> dict[str, np.ndarray]:
    origin, rot = _foot_frame(markers, side)
    return {f"{side}_foot_{k + 1}": origin + np.einsum("nij,j->ni", rot, p) for k, p in enumerate(CLUSTER_MM)}


def cluster_only(trial):
    """The trial with each foot seen only through a heel-counter cluster (RIC names) and the
    pelvis through its ASIS/PSIS/sacrum markers renamed as the RIC pelvis cluster."""
    markers = {}
    for side in SIDES:
        markers.update(_cluster(trial.markers, side))
    lm = resolve_landmarks(trial)
    pelvis = [lm.get(role, side) for role, side in (("asis", "L"), ("asis", "R"), ("psis", "L"), ("psis", "R"),
                                                     ("sacrum", None)) if lm.has(role, side)]
    markers.update({f"pelvis_{k + 1}": xyz for k, xyz in enumerate(pelvis[:4])})
    return replace(trial, markers=markers, events=trial.events.iloc[:0] if trial.events is not None else None)


def cluster_static(static):
    """The static trial in the same form, with its malleoli for the RIC virtual heel and toe."""
    lm = resolve_landmarks(static)
    markers = {}
    for side in SIDES:
        markers.update(_cluster(static.markers, side))
        markers[f"{side}_lat_ankle"] = lm.get("ankle_lat", side)
        markers[f"{side}_med_ankle"] = lm.get("ankle_med", side)
    return replace(static, markers=markers)
