"""Paper-ready matplotlib figures of gaitcore results (``pip install gaitcore[plot]``).

matplotlib is imported only when a function here is called, so ``import gaitcore`` never
needs it.  Every function draws into ``ax`` (a new figure of :data:`FIGSIZE` inches when
``ax`` is None) and returns the Axes; axes carry labels with units and a legend.

- :func:`angle_curves`: mean +- SD of a joint angle per side over the normalised stride,
  with each side's mean toe-off.
- :func:`cadence_spectrum`: the Welch spectrum behind a spectral cadence, with the chosen
  step peak.
- :func:`force_contacts`: vertical force per plate with the initial contacts and toe-offs.
- :func:`factor_profile`: a trial's factors against reference bands of its gait mode
  (:data:`REFERENCE_BANDS`: running only).
- :func:`spm`: an SPM{t} curve with its threshold and clusters.
- :func:`forest`: Hedges' g with confidence intervals from :func:`gaitcore.compare_groups`, each
  row labelled with its absolute difference, unit and CI.
- :func:`save_figure`: PNG (300 dpi) and SVG of a figure.

Figures of simulated data say "SIMULATED" in their title (``save_trial_figures`` reads
``trial.metadata["simulated"]``; pass ``title=`` elsewhere).

Example
-------
>>> import matplotlib; matplotlib.use("Agg")
>>> import gaitcore, gaitcore.plot
>>> from gaitcore import datasets
>>> report = gaitcore.analyze_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
...                                 grf=datasets.path("Rajagopal_grf_run.mot"),
...                                 static=datasets.path("Rajagopal_static_run.trc"))
>>> ax = gaitcore.plot.angle_curves(report, "hip", "flexion")
>>> ax.get_ylabel()
'hip flexion (deg)'
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError
from ._units import unit_of
from .kinematics import ANGLE_COMPONENTS

__all__ = ["REFERENCE_BANDS", "FIGSIZE", "angle_curves", "cadence_spectrum", "force_contacts",
           "factor_profile", "spm", "forest", "hedges_g_ci", "save_trial_figures", "save_figure", "gait_mode"]


#: Default figure size (inches): one column of a two-column journal page is ~3.5 in, a
#: full width ~7 in; 6 x 3.8 in keeps 10-pt labels readable at either width.
FIGSIZE = (6.0, 3.8)
FONTSIZE = 10
#: Conventional gait-lab colours: left red, right green.
SIDE_COLORS = {"L": "#c0392b", "R": "#1e8449"}
SIDE_NAMES = {"L": "left", "R": "right"}

#: Published mean and SD of factors in healthy runners (docs/methods.md B and C): factor name ->
#: (mean, SD, source).  Only metrics with a published mean +- SD are here; the hip extension,
#: pelvic drop and overstride metrics have no trustworthy normative value (docs/methods.md C).
#: These are running values: they are never drawn for a walking trial.
REFERENCE_BANDS = {
    "cadence_steps_per_min": (171.0, 9.0, "Drozda 2024, healthy runners"),
    "trunk_lean_deg": (7.3, 3.6, "Teng & Powers 2014, self-selected, 3.4 m/s"),
    "valr_bw_per_s": (62.2, 21.5, "Drozda 2024, healthy runners"),
}



def require_matplotlib():
    """matplotlib (an optional dependency), or ModuleNotFoundError naming the extra to install."""
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise ModuleNotFoundError('figures need matplotlib, which is not installed: pip install "gaitcore[plot]"') \
            from None
    return matplotlib


def _plt():
    require_matplotlib()
    import matplotlib.pyplot as plt  # imported only when plotting

    return plt


def _new_axes(ax, figsize=FIGSIZE):
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=figsize, layout="constrained")
    return ax


def _finish(ax, xlabel: str, ylabel: str, title: str | None = None, legend: bool = True):
    ax.set_xlabel(xlabel, fontsize=FONTSIZE)
    ax.set_ylabel(ylabel, fontsize=FONTSIZE)
    if title:
        ax.set_title(title, fontsize=FONTSIZE + 1)
    ax.tick_params(labelsize=FONTSIZE - 1)
    if legend and ax.get_legend_handles_labels()[0]:
        _legend_outside(ax)
    return ax


def _legend_outside(ax, fontsize: int = FONTSIZE - 1):
    """The legend right of the axes, where it cannot cover data."""
    ax.legend(fontsize=fontsize, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def save_figure(fig, path, dpi: int = 300) -> list:
    """Save ``fig`` as ``<path>.png`` (``dpi``, default 300) and ``<path>.svg`` (vector);
    returns both paths.  ``path`` may carry either suffix or none."""
    from pathlib import Path

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix.lower() in (".png", ".svg") else stem
    written = []
    for suffix in (".png", ".svg"):
        target = stem.with_name(stem.name + suffix)
        fig.savefig(target, dpi=dpi, bbox_inches="tight")
        written.append(target)
    return written


def gait_mode(report) -> str:
    """"walking", "running" or "unknown" for a TrialReport: the gait mode event detection
    decided (``report.quality["events"]["gait_mode"]``), else the analysis option when one says
    (``gait``, or the walking event method ``kinematic="zeni"``), else the duty factor
    (walking has double support: > 0.5), else the cadence (< 140 steps/min: walking)."""
    detected = ((getattr(report, "quality", None) or {}).get("events") or {}).get("gait_mode")
    if detected in ("walking", "running"):
        return detected
    options = (getattr(report, "provenance", None) or {}).get("options", {})
    if options.get("gait") in ("walking", "running"):
        return options["gait"]
    if options.get("kinematic") == "zeni" or options.get("event_method") == "zeni":
        return "walking"
    factors = pd.Series(getattr(report, "factors", {}))
    for name, threshold in (("duty_factor", 0.5), ("cadence_steps_per_min", 140.0)):
        value = pd.to_numeric(factors.get(name, np.nan), errors="coerce")
        if np.isfinite(value):
            walking = value > threshold if name == "duty_factor" else value < threshold
            return "walking" if walking else "running"
    return "unknown"


# ---- angle curves -------------------------------------------------------------------

def toe_off_percent(report, side: str) -> float:
    """Mean toe-off of a side in % of the stride: 100 * contact time / stride time over that
    side's steps of ``report.spatiotemporal`` (NaN when none has both)."""
    st = report.spatiotemporal
    if not len(st) or "side" not in st:
        return float("nan")
    rows = st[st["side"] == side]
    ratio = (rows["contact_ms"] / rows["stride_ms"]).to_numpy(float)
    ratio = ratio[np.isfinite(ratio)]
    return float(100.0 * ratio.mean()) if ratio.size else float("nan")


def _mean_sd(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN-aware mean and SD (n - 1) over axis 0; NaN where a node has too few values.
    (Computed without nanmean's warnings: warnings.catch_warnings is not thread-safe.)"""
    finite = np.isfinite(y)
    n = finite.sum(axis=0)
    total = np.where(finite, y, 0.0).sum(axis=0)
    mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    dev = np.where(finite, y - mean, 0.0)
    sd = np.where(n > 1, np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1)), 0.0 if y.shape[0] == 1 else np.nan)
    return mean, sd


def _component_index(angle: str, component: str, side: str) -> int:
    key = angle if angle in ANGLE_COMPONENTS else f"{side}_{angle}"
    names = ANGLE_COMPONENTS.get(key)
    if names is None:
        raise InputError(f"angle must be one of pelvis, thorax, hip, knee, ankle, trunk_lean; got {angle!r}")
    if component not in names:
        raise InputError(f"component of {angle} must be one of {list(names)}, got {component!r}")
    return names.index(component)


def angle_curves(report, angle: str = "hip", component: str = "flexion", ax=None, legend: bool = True,
                 title: str | None = None):
    """Mean +- 1 SD (across strides) of one joint-angle component per side, over the stride
    normalised from initial contact (0 %) to the next initial contact of the same foot
    (100 %), with each side's mean toe-off (dashed; :func:`toe_off_percent`).

    Parameters
    ----------
    report : gaitcore.TrialReport (uses ``report.cycles`` and ``report.spatiotemporal``)
    angle : "hip", "knee", "ankle", "pelvis", "thorax" or "trunk_lean"
    component : a name of ``gaitcore.ANGLE_COMPONENTS`` for that angle, e.g. "flexion",
        "adduction", "dorsiflexion", "obliquity_right_up", "forward_lean"
    ax : matplotlib Axes, optional
    legend : draw the legend (right of the axes); False when a figure of several panels
        carries one legend for all (:func:`save_trial_figures`)
    title : default "<angle> <component>: mean ± SD"

    Returns
    -------
    matplotlib Axes (y in deg, x in % of stride)
    """
    ax = _new_axes(ax)
    drawn = 0
    for side in ("L", "R"):
        j = _component_index(angle, component, side)
        cycles = report.cycles.get(side, {}).get(angle)
        if cycles is None or not np.isfinite(cycles[:, :, j]).any():
            continue
        y = cycles[:, :, j]
        x = np.linspace(0.0, 100.0, y.shape[1])
        mean, sd = _mean_sd(y)
        color = SIDE_COLORS[side]
        ax.plot(x, mean, color=color, lw=2, label=f"{SIDE_NAMES[side]}: mean \u00b1 SD")
        ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)
        toe_off = toe_off_percent(report, side)
        if math.isfinite(toe_off):
            ax.axvline(toe_off, color=color, ls="--", lw=1, label=f"toe-off {SIDE_NAMES[side]}")
        drawn += 1
    if not drawn:
        raise InputError(f"report has no finite {angle} {component} curves (check report.factors['flags'])")
    ax.set_xlim(0, 100)
    label = angle.replace("_", " ")
    comp = component.replace("_", " ")
    return _finish(ax, "stride (% from initial contact)", f"{label} {comp} (deg)",
                   title or f"{label} {comp}: mean \u00b1 SD", legend=legend)


# ---- cadence spectrum -----------------------------------------------------------------

def _psd_unit(signal: str) -> str:
    s = signal.lower()
    if "force" in s:
        return "N\u00b2/Hz"
    if "height" in s or "position" in s or "marker" in s:
        return "mm\u00b2/Hz"
    return "units\u00b2/Hz"


def cadence_spectrum(cadence, ax=None, column: int = 0):
    """The Welch power spectrum of a spectral cadence estimate, with the step peak marked.

    The x axis is the signal frequency in **Hz** (bottom) and the same frequency in
    **steps/min** (top, 60 x Hz: the step peak reads as the cadence).  The chosen step
    frequency ``cadence.step_hz`` is marked; when the largest peak was the stride frequency
    (``harmonic == 2``) that peak is marked as well.

    Parameters
    ----------
    cadence : gaitcore.Cadence (from :func:`gaitcore.cadence` or :func:`gaitcore.trial_cadence`)
    ax : matplotlib Axes, optional
    column : which column of a multi-column estimate to draw
    """
    freqs = np.asarray(cadence.freqs, float)
    psd = np.asarray(cadence.psd, float)
    if psd.ndim == 2:
        if not 0 <= column < psd.shape[1]:
            raise InputError(f"column must be in 0..{psd.shape[1] - 1}, got {column}")
        psd = psd[:, column]
    step_hz = float(np.atleast_1d(cadence.step_hz)[column])
    peak_hz = float(np.atleast_1d(cadence.peak_hz)[column])
    harmonic = int(np.atleast_1d(cadence.harmonic)[column])
    ax = _new_axes(ax)
    keep = freqs > 0
    ax.semilogy(freqs[keep], psd[keep], color="k", lw=1.2, label="Welch PSD")
    p_step = float(np.exp(np.interp(step_hz, freqs[keep], np.log(psd[keep]))))
    ax.plot([step_hz], [p_step], "o", color="#c0392b", ms=7,
            label=f"step frequency {step_hz:.3f} Hz = {60 * step_hz:.1f} steps/min")
    ax.axvline(step_hz, color="#c0392b", lw=0.8, ls=":")
    if harmonic == 2:
        p_peak = float(np.exp(np.interp(peak_hz, freqs[keep], np.log(psd[keep]))))
        ax.plot([peak_hz], [p_peak], "s", color="#2874a6", ms=6,
                label=f"stride peak {peak_hz:.3f} Hz (step = its 2nd harmonic)")
    top = ax.secondary_xaxis("top", functions=(lambda f: 60.0 * f, lambda s: s / 60.0))
    top.set_xlabel("steps/min (60 \u00d7 Hz)", fontsize=FONTSIZE)
    top.tick_params(labelsize=FONTSIZE - 1)
    ax.set_xlim(0, freqs[-1])
    signal = getattr(cadence, "signal", "") or "gait signal"
    _finish(ax, "frequency (Hz)", f"power spectral density ({_psd_unit(signal)})", "cadence spectrum")
    ax.text(0.99, 0.02, signal, transform=ax.transAxes, ha="right", va="bottom", fontsize=FONTSIZE - 3,
            color="0.3")
    return ax


# ---- force with contacts ----------------------------------------------------------------

def force_contacts(trial, events=None, ax=None, title: str | None = None):
    """Vertical ground reaction force of each plate (N) against time (s), with the initial
    contacts (IC, triangles up) and toe-offs (TO, triangles down) of ``events``, each drawn on
    the force trace at the force where it happens (:func:`event_force`).

    Parameters
    ----------
    trial : gaitcore.Trial with force plates
    events : DataFrame with ``side``, ``event``, ``time_s`` (default:
        ``gaitcore.detect_events(trial, method="force")``)
    ax : matplotlib Axes, optional
    """
    if not trial.plates:
        raise InputError("trial has no force plates to plot")
    if events is None:
        from .events import detect_events

        events = detect_events(trial, method="force")
    ax = _new_axes(ax, figsize=(FIGSIZE[0] * 1.2, FIGSIZE[1]))
    for i, plate in enumerate(trial.plates):
        name = plate.name or f"plate {i + 1}"
        color = SIDE_COLORS.get(plate.side, _PLATE_COLORS[i % len(_PLATE_COLORS)])
        label = f"{name} ({SIDE_NAMES[plate.side]} foot)" if plate.side in SIDE_NAMES else name
        ax.plot(plate.time_s, plate.fz, color=color, lw=1, label=label)
    for event, marker in (("IC", "^"), ("TO", "v")):
        for side in ("L", "R"):
            sel = events[(events["event"] == event) & (events["side"] == side)]
            if not len(sel):
                continue
            sources = sel["source"] if "source" in sel else [""] * len(sel)
            t = sel["time_s"].to_numpy(float)
            y = [event_force(trial, side, src, ti) for src, ti in zip(sources, t)]
            ax.plot(t, y, marker, ls="none", ms=7, mfc="white", mec=SIDE_COLORS[side], mew=1.5,
                    label=f"{event} {SIDE_NAMES[side]}")
    _finish(ax, "time (s)", "vertical force (N)", title or "vertical force and detected contacts", legend=False)
    _legend_outside(ax, FONTSIZE - 2)
    return ax


#: colours of plates not assigned to a foot (neither the left red nor the right green)
_PLATE_COLORS = ("#2874a6", "#d68910", "#7d3c98", "#5d6d7e", "#17a589", "#a04000")


def event_force(trial, side: str, source, t: float) -> float:
    """Vertical force (N) at time ``t`` on the plate that holds the event: the plate named by
    the event's ``source``, else the plate assigned to that foot, else the plate whose force
    at ``t`` is nearest the contact threshold (an event detected on a plate sits on its
    threshold crossing; a plate under the other foot carries hundreds of newtons)."""
    plates = [p for p in trial.plates if source and p.name == source]
    plates = plates or [p for p in trial.plates if p.side == side]
    plates = plates or list(trial.plates)
    forces = [float(np.interp(t, p.time_s, p.fz)) for p in plates]
    return min(forces, key=lambda f: abs(f - _CONTACT_THRESHOLD_N))


_CONTACT_THRESHOLD_N = 20.0  # the default IC/TO threshold of gaitcore.detect_contacts


# ---- factor profile -----------------------------------------------------------------------

def _bands(reference, gait: str = "running") -> dict:
    """Normalise a reference: dict name -> (mean, sd[, source]) or a DataFrame of trials."""
    if reference is None:
        if gait != "running":
            raise InputError(f"the published reference bands (REFERENCE_BANDS) are for running; this trial's "
                             f"gait is {gait}: pass reference= with bands measured in {gait}")
        return dict(REFERENCE_BANDS)
    if isinstance(reference, pd.DataFrame):
        out = {}
        for col in reference.select_dtypes("number").columns:
            v = reference[col].to_numpy(float)
            v = v[np.isfinite(v)]
            if v.size >= 2 and v.std(ddof=1) > 0:
                out[col] = (float(v.mean()), float(v.std(ddof=1)), f"reference trials (n = {v.size})")
        return out
    if isinstance(reference, dict):
        out = {}
        for name, band in reference.items():
            if len(band) not in (2, 3) or not float(band[1]) > 0:
                raise InputError(f"reference[{name!r}] must be (mean, sd) or (mean, sd, source) with sd > 0, "
                                 f"got {band!r}")
            out[name] = (float(band[0]), float(band[1]), str(band[2]) if len(band) == 3 else "")
        return out
    raise InputTypeError(f"reference must be None, a dict or a DataFrame, got {type(reference).__name__}")


def factor_profile(factors, reference=None, ax=None, metrics=None, gait: str = "running",
                   title: str | None = None):
    """A trial's factors against reference bands, on one axis of z-scores.

    Each row is a metric present in both ``factors`` and the reference; the point is
    ``z = (value - mean) / SD`` of the reference, the grey band is mean +- 1 SD and the
    light band +- 2 SD.  The row label gives the measured value with its unit and the
    reference ``mean +- SD`` (and source).

    Parameters
    ----------
    factors : pandas.Series or dict (e.g. ``report.factors`` or one row of a cohort table)
    reference : dict name -> (mean, SD) or (mean, SD, source); or a DataFrame of reference
        trials (e.g. the control group of a cohort table: its per-column mean and SD).
        Default :data:`REFERENCE_BANDS` (published values in runners: cadence, trunk lean, VALR),
        only when ``gait`` is "running".
    metrics : names to show (default: every metric with a band)
    gait : the trial's gait mode ("running", "walking", "unknown"; :func:`gait_mode`): the default
        bands were measured in running and are refused for any other mode
    ax : matplotlib Axes, optional
    """
    bands = _bands(reference, gait)
    values = pd.Series(factors)
    names = [m for m in (metrics if metrics is not None else bands) if m in bands and m in values.index]
    if not names:
        raise InputError("no metric of factors has a reference band; pass reference= or metrics=")
    ax = _new_axes(ax, figsize=(FIGSIZE[0], 0.6 * len(names) + 1.6))
    ax.axvspan(-2, 2, color="0.92", lw=0, label="reference \u00b1 2 SD")
    ax.axvspan(-1, 1, color="0.80", lw=0, label="reference \u00b1 1 SD")
    ax.axvline(0, color="0.5", lw=0.8)
    labels, zs = [], []
    for i, name in enumerate(names):
        mean, sd, _ = bands[name]
        value = float(pd.to_numeric(values[name], errors="coerce"))
        unit = unit_of(name)
        shown = f"{value:.3g} {unit}" if np.isfinite(value) else "n/a"
        labels.append(f"{name}\n{shown} (ref {mean:.3g} \u00b1 {sd:.2g})")
        if np.isfinite(value):
            zs.append((value - mean) / sd)
            ax.plot([zs[-1]], [i], "o", color="#2874a6", ms=8, label="this trial" if len(zs) == 1 else None)
    lim = max([3.0] + [abs(z) + 0.7 for z in zs])
    for i, name in enumerate(names):
        if bands[name][2]:  # the source of the band, small, at the row's right end
            ax.text(lim - 0.1, i + 0.3, bands[name][2], ha="right", va="center", fontsize=FONTSIZE - 3,
                    color="0.3")
    ax.set_yticks(range(len(names)), labels, fontsize=FONTSIZE - 2)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(-lim, lim)
    _finish(ax, "z-score vs reference (SD units)", "", title or "factor profile", legend=False)
    ax.legend(fontsize=FONTSIZE - 2, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3)
    return ax


# ---- SPM -------------------------------------------------------------------------------------

def spm(result, ax=None, xlabel: str | None = None, title: str | None = None):
    """An SPM{t} curve with its critical threshold(s) t* and the suprathreshold clusters
    (shaded, labelled with their p): :meth:`gaitcore.SPMResult.plot` with axis labels,
    a legend and a title.

    Parameters
    ----------
    result : gaitcore.SPMResult (``spm_ttest2(...).inference()``)
    xlabel : default "stride (%)" for 101-node curves, else "node"
    title : default the test, df and FWHM
    """
    ax = _new_axes(ax)
    n_texts = len(ax.texts)
    result.plot(ax=ax)
    if xlabel is None:
        xlabel = "stride (%)" if result.t.size == 101 else "node"
    ax.set_xlim(0, result.t.size - 1)
    for text, cluster in zip(ax.texts[n_texts:], result.clusters):  # SPMResult.plot prints p with 3 decimals
        text.set_text(f"p = {cluster.p:.3f}" if cluster.p >= 0.001 else "p < 0.001")
    stat = "SPM{F}" if getattr(result, "stat", "T") == "F" else "SPM{t}"
    return _finish(ax, xlabel, stat, title or ax.get_title())


# ---- forest plot --------------------------------------------------------------------------------

def hedges_g_ci(g, n1, n2, confidence: float = 0.95):
    """Normal-approximation confidence interval of Hedges' g.

    ``SE(g) = J sqrt((n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2)))`` with ``d = g / J`` and
    ``J = 1 - 3 / (4 (n1 + n2) - 9)`` (Hedges & Olkin 1985, *Statistical Methods for
    Meta-Analysis*; Borenstein et al. 2009, *Introduction to Meta-Analysis*, eqs 4.20-4.24);
    CI = g +- z_{(1+confidence)/2} SE.  Returns (low, high), arrays when the inputs are.
    """
    g, n1, n2 = (np.asarray(v, float) for v in (g, n1, n2))
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be in (0, 1), got {confidence}")
    j = 1.0 - 3.0 / (4.0 * (n1 + n2) - 9.0)
    d = g / j
    se = j * np.sqrt((n1 + n2) / (n1 * n2) + d ** 2 / (2.0 * (n1 + n2)))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    low, high = g - z * se, g + z * se
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def forest(comparison_table, ax=None, metrics=None, confidence: float = 0.95, title: str | None = None):
    """Forest plot of group differences from :func:`gaitcore.compare_groups`: Hedges' g
    (group - reference) with its confidence interval (:func:`hedges_g_ci`) on a common axis,
    and beside each row the absolute difference in the metric's unit with its CI
    ("diff [ci_low, ci_high] unit"), so that a large g from a tiny spread is not mistaken
    for a large effect.

    Parameters
    ----------
    comparison_table : DataFrame with ``metric``, ``group``, ``reference``, ``hedges_g``,
        ``n``, ``n_reference``, ``diff``, ``ci_low``, ``ci_high`` (rows with NaN g are left out)
    metrics : metric names to show, in this order (default: all, in table order)
    ax : matplotlib Axes, optional
    title : default "group differences"; say "SIMULATED" for simulated data
    """
    need = {"metric", "group", "reference", "hedges_g", "n", "n_reference", "diff", "ci_low", "ci_high"}
    missing = need - set(comparison_table.columns)
    if missing:
        raise InputError(f"comparison_table lacks columns {sorted(missing)} (use gaitcore.compare_groups)")
    table = comparison_table[np.isfinite(pd.to_numeric(comparison_table["hedges_g"], errors="coerce"))]
    if metrics is not None:
        table = table[table["metric"].isin(metrics)]
        order = {m: i for i, m in enumerate(metrics)}
        table = table.sort_values("metric", key=lambda s: s.map(order), kind="stable")
    if not len(table):
        raise InputError("no finite hedges_g to plot")
    several = table["group"].nunique() > 1
    low, high = hedges_g_ci(table["hedges_g"].to_numpy(float), table["n"].to_numpy(float),
                            table["n_reference"].to_numpy(float), confidence)
    g = table["hedges_g"].to_numpy(float)
    y = np.arange(len(table))
    ax = _new_axes(ax, figsize=(FIGSIZE[0] * 1.25, 0.42 * len(table) + 1.4))
    ax.axvline(0, color="0.5", lw=0.8)
    ax.errorbar(g, y, xerr=[g - low, high - g], fmt="s", color="k", ms=5, capsize=3, lw=1.2)
    labels = [f"{r.metric} ({r.group})" if several else r.metric for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize=FONTSIZE - 2)
    ax.set_ylim(len(table) - 0.5, -0.5)
    for yi, row in zip(y, table.itertuples()):  # the absolute difference, right of the axes
        ax.annotate(_difference_text(row), (1.02, yi), xycoords=("axes fraction", "data"), va="center",
                    fontsize=FONTSIZE - 2, annotation_clip=False)
    ax.annotate(f"difference [{confidence:.0%} CI]", (1.02, 1.0), xycoords="axes fraction", va="bottom",
                fontsize=FONTSIZE - 2, fontweight="bold", annotation_clip=False)
    groups = ", ".join(sorted(set(table["group"].astype(str))))
    ref = ", ".join(sorted(set(table["reference"].astype(str))))
    return _finish(ax, f"Hedges' g ({groups} \u2212 {ref}), {confidence:.0%} CI", "",
                   title or "group differences", legend=False)


def _difference_text(row) -> str:
    unit = getattr(row, "unit", None)
    unit = unit if isinstance(unit, str) else unit_of(row.metric)
    return f"{row.diff:+.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}] {unit}".rstrip()


# ---- one trial's standard figures to files ----------------------------------------------------

def save_trial_figures(report, folder, trial=None, *, prefix: str = "", dpi: int = 300,
                       simulated: bool | None = None) -> list:
    """Write the standard figures of one analysed trial as PNG (``dpi``) and SVG; returns their paths.

    ``{prefix}angles`` (hip, knee, ankle flexion and pelvic obliquity, mean +- SD per side, one
    legend for the figure), ``{prefix}factor_profile`` (against :data:`REFERENCE_BANDS`, for a
    running trial only: :func:`gait_mode`), and when available ``{prefix}cadence_spectrum``
    (``report.cadence``) and ``{prefix}force_contacts`` (needs ``trial`` with force plates).
    A figure whose data are missing is skipped.  Titles start with "SIMULATED" when the trial
    is simulated (``simulated``, default ``trial.metadata["simulated"]``).  The figures are
    closed after saving (safe in batch jobs such as ``gaitcore demo``).

    Parameters
    ----------
    report : gaitcore.TrialReport
    folder : output folder (created)
    trial : gaitcore.Trial, optional (for the force figure)
    prefix : file name prefix, e.g. the trial's stem and "_"
    dpi : resolution of the PNG files (300 by default, print quality)
    simulated : bool, optional
    """
    from pathlib import Path

    plt = _plt()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if simulated is None:
        simulated = bool(trial is not None and trial.metadata.get("simulated"))
    tag = "SIMULATED: " if simulated else ""
    written: list = []

    def save(fig, name):
        written.extend(save_figure(fig, folder / f"{prefix}{name}", dpi=dpi))
        plt.close(fig)

    fig = _angle_panels(report, tag)
    if fig is not None:
        save(fig, "angles")
    if report.cadence is not None:
        ax = cadence_spectrum(report.cadence)
        ax.set_title(f"{tag}cadence spectrum", fontsize=FONTSIZE + 1)
        save(ax.figure, "cadence_spectrum")
    if trial is not None and trial.plates:
        save(force_contacts(trial, report.events, title=f"{tag}vertical force and detected contacts").figure,
             "force_contacts")
    values = pd.Series(report.factors)
    if gait_mode(report) == "running" and any(
            name in values.index and np.isfinite(pd.to_numeric(values[name], errors="coerce"))
            for name in REFERENCE_BANDS):
        save(factor_profile(report.factors, title=f"{tag}factor profile (running reference)").figure,
             "factor_profile")
    return written


def _angle_panels(report, tag: str):
    """The 2 x 2 joint-angle figure with one legend below the panels (None when no curve)."""
    plt = _plt()
    panels = [("hip", "flexion"), ("knee", "flexion"), ("ankle", "dorsiflexion"), ("pelvis", "obliquity_right_up")]
    drawable = [p for p in panels if _has_curve(report, *p)]
    if not drawable:
        return None
    fig, axes = plt.subplots(2, 2, figsize=(2 * FIGSIZE[0], 2 * FIGSIZE[1] + 0.4), layout="constrained")
    for ax, (angle, component) in zip(axes.flat, drawable):
        angle_curves(report, angle, component, ax=ax, legend=False,
                     title=f"{angle} {component.replace('_', ' ')}")
    for ax in list(axes.flat)[len(drawable):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False, fontsize=FONTSIZE - 1)
    strides = ", ".join(f"{SIDE_NAMES[s]} {len(report.cycles[s]['hip'])}" for s in ("L", "R")
                        if "hip" in report.cycles.get(s, {}))
    fig.suptitle(f"{tag}joint angles, mean \u00b1 SD over strides ({strides})", fontsize=FONTSIZE + 1)
    return fig


def _has_curve(report, angle, component) -> bool:
    for side in ("L", "R"):
        cycles = report.cycles.get(side, {}).get(angle)
        if cycles is not None and np.isfinite(cycles[:, :, _component_index(angle, component, side)]).any():
            return True
    return False
