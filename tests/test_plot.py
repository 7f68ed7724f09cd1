"""gaitcore.plot: every figure renders to PNG with the expected artists, labels and units."""
import io

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import gaitcore  # noqa: E402
from gaitcore import datasets  # noqa: E402
from gaitcore import plot as gplot  # noqa: E402


@pytest.fixture(scope="module")
def trial():
    return gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
                               grf=datasets.path("Rajagopal_grf_run.mot"))


@pytest.fixture(scope="module")
def report(trial):
    return gaitcore.analyze_trial(trial, static=datasets.path("Rajagopal_static_run.trc"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _png(ax) -> bytes:
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=60)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    return data


def _legend_texts(ax):
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def _assert_legend_outside(ax):
    """Nothing covers the data: the legend's box does not overlap the axes' box."""
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    assert legend.x0 >= axes.x1 or legend.y1 <= axes.y0 or legend.x1 <= axes.x0 or legend.y0 >= axes.y1


def _png_dpi(path) -> float:
    """The resolution stored in a PNG's pHYs chunk (pixels per metre -> dots per inch)."""
    data = path.read_bytes()
    i = data.index(b"pHYs")
    return int.from_bytes(data[i + 4:i + 8], "big") * 0.0254


def test_import_gaitcore_does_not_import_matplotlib_eagerly():
    import subprocess
    import sys
    code = "import sys, gaitcore; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_angle_curves(report):
    ax = gplot.angle_curves(report, "hip", "flexion")
    _png(ax)
    assert ax.get_ylabel() == "hip flexion (deg)"
    assert "%" in ax.get_xlabel()
    texts = _legend_texts(ax)
    assert texts == ["left: mean \u00b1 SD", "toe-off left", "right: mean \u00b1 SD", "toe-off right"]
    _assert_legend_outside(ax)
    # mean lines: 101 nodes from 0 to 100 %, the left mean equals the mean of the cycles
    left = ax.lines[0]
    np.testing.assert_allclose(left.get_xdata(), np.linspace(0, 100, 101))
    np.testing.assert_allclose(left.get_ydata(), report.cycles["L"]["hip"][:, :, 0].mean(axis=0))
    assert len(ax.collections) == 2  # the two SD bands
    # the toe-off line sits at contact / stride of that side
    st = report.spatiotemporal[report.spatiotemporal.side == "L"]
    want = 100 * (st.contact_ms / st.stride_ms).mean()
    assert ax.lines[1].get_xdata()[0] == pytest.approx(want)
    assert 30 < want < 42  # duty factor of running (docs/methods.md A: 0.31-0.42)


def test_angle_curves_side_independent_angle_and_bad_names(report):
    ax = gplot.angle_curves(report, "pelvis", "obliquity_right_up")
    _png(ax)
    assert ax.get_ylabel() == "pelvis obliquity right up (deg)"
    with pytest.raises(ValueError, match="angle"):
        gplot.angle_curves(report, "elbow")
    with pytest.raises(ValueError, match="component"):
        gplot.angle_curves(report, "knee", "dorsiflexion")


def test_cadence_spectrum(report):
    ax = gplot.cadence_spectrum(report.cadence)
    _png(ax)
    assert ax.get_xlabel() == "frequency (Hz)" and "N\u00b2/Hz" in ax.get_ylabel()
    assert ax.get_yscale() == "log"
    marker = ax.lines[1]
    assert marker.get_xdata()[0] == pytest.approx(report.cadence.step_hz)
    assert any("174.3 steps/min" in t for t in _legend_texts(ax))


def test_cadence_spectrum_marks_the_stride_peak_when_doubled():
    rate, t = 100.0, np.arange(0, 30, 0.01)
    # a one-leg signal: strong stride component at 1.4 Hz and its harmonic at 2.8 Hz
    x = np.sin(2 * np.pi * 1.4 * t) + 0.8 * np.sin(2 * np.pi * 2.8 * t)
    cad = gaitcore.cadence(x, rate)
    assert cad.harmonic == 2
    ax = gplot.cadence_spectrum(cad)
    _png(ax)
    texts = _legend_texts(ax)
    assert any("stride peak" in s for s in texts) and len(texts) == 3


def test_force_contacts(trial, report):
    ax = gplot.force_contacts(trial, report.events)
    _png(ax)
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "vertical force (N)"
    texts = _legend_texts(ax)
    assert {"IC left", "IC right", "TO left", "TO right"} <= set(texts)
    ic_left = ax.lines[texts.index("IC left")]
    n_ic_left = int(((report.events.side == "L") & (report.events.event == "IC")).sum())
    assert len(ic_left.get_xdata()) == n_ic_left
    assert np.all(np.asarray(ic_left.get_ydata()) < 100)  # contacts sit at the threshold, not the peak
    assert np.all(np.asarray(ic_left.get_ydata()) > 5)    # ... and not at 0 N
    _assert_legend_outside(ax)
    # default events: detected from the forces
    ax2 = gplot.force_contacts(trial)
    assert len(ax2.lines) == len(ax.lines)


def test_force_contacts_needs_plates(trial):
    from dataclasses import replace
    with pytest.raises(ValueError, match="force plates"):
        gplot.force_contacts(replace(trial, plates=[]))


def test_factor_profile_default_bands(report):
    ax = gplot.factor_profile(report.factors)
    _png(ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("cadence_steps_per_min\n174 steps/min (ref 171")
    assert len(labels) == len(gplot.REFERENCE_BANDS)
    z = [ln.get_xdata()[0] for ln in ax.lines if len(ln.get_xdata()) == 1]
    cad = report.factors["cadence_steps_per_min"]
    assert z[0] == pytest.approx((cad - 171.0) / 9.0)
    assert "z-score" in ax.get_xlabel()


def test_factor_profile_from_reference_trials_and_bad_reference(report):
    ref = pd.DataFrame({"trunk_lean_deg": [3.0, 5.0, 7.0], "duty_factor": [0.3, 0.35, 0.4]})
    ax = gplot.factor_profile(report.factors, reference=ref)
    _png(ax)
    z = [ln.get_xdata()[0] for ln in ax.lines if len(ln.get_xdata()) == 1]
    assert z[0] == pytest.approx((report.factors["trunk_lean_deg"] - 5.0) / 2.0)
    assert z[1] == pytest.approx((report.factors["duty_factor"] - 0.35) / 0.05)
    with pytest.raises(ValueError, match="sd > 0"):
        gplot.factor_profile(report.factors, reference={"trunk_lean_deg": (7.3, 0.0)})
    with pytest.raises(ValueError, match="no metric"):
        gplot.factor_profile(report.factors, reference={"nothing": (1.0, 1.0)})
    with pytest.raises(TypeError, match="reference"):
        gplot.factor_profile(report.factors, reference=[1, 2])


def test_spm_figure():
    rng = np.random.default_rng(4)
    base = np.sin(np.linspace(0, np.pi, 101))
    ya = rng.standard_normal((8, 101)).cumsum(axis=1) * 0.2 + 3 * base
    yb = rng.standard_normal((8, 101)).cumsum(axis=1) * 0.2
    res = gaitcore.spm_ttest2(ya, yb).inference()
    assert res.clusters
    ax = gplot.spm(res)
    _png(ax)
    assert ax.get_xlabel() == "stride (%)" and ax.get_ylabel() == "SPM{t}"
    texts = _legend_texts(ax)
    assert texts[0] == "SPM{t}" and texts[1].startswith("t* = ")
    assert len(ax.texts) == len(res.clusters)  # one p label per cluster


def test_spm_figure_of_an_f_test_says_f():
    rng = np.random.default_rng(4)
    y = rng.standard_normal((12, 101)).cumsum(axis=1) * 0.2
    y[:4] += 3 * np.sin(np.linspace(0, np.pi, 101))
    res = gaitcore.spm_anova1(y, np.repeat([0, 1, 2], 4)).inference()
    ax = gplot.spm(res)
    assert ax.get_ylabel() == "SPM{F}" and _legend_texts(ax)[0] == "SPM{F}"


def test_hedges_g_ci_matches_the_formula_and_the_large_sample_limit():
    low, high = gplot.hedges_g_ci(0.5, 20, 20)
    j = 1 - 3 / (4 * 40 - 9)
    se = j * np.sqrt(40 / 400 + (0.5 / j) ** 2 / 80)
    assert (low, high) == pytest.approx((0.5 - 1.959964 * se, 0.5 + 1.959964 * se), abs=1e-6)
    # with huge groups and g = 0 the SE tends to sqrt(2/n)
    low, high = gplot.hedges_g_ci(0.0, 10**6, 10**6)
    assert high == pytest.approx(1.959964 * np.sqrt(2e-6), rel=1e-4)
    with pytest.raises(ValueError, match="confidence"):
        gplot.hedges_g_ci(0.5, 10, 10, confidence=1.5)


def test_forest():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"group": ["a"] * 12 + ["b"] * 12, "x_deg": rng.normal(0, 1, 24),
                          "y_ms": rng.normal(0, 1, 24), "error": ""})
    table.loc[12:, "x_deg"] += 1.5
    cmp = gaitcore.compare_groups(table, by="group")
    ax = gplot.forest(cmp, title="SIMULATED groups")
    _png(ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x_deg", "y_ms"]
    assert ax.get_xlabel() == "Hedges' g (b \u2212 a), 95% CI" and ax.get_title() == "SIMULATED groups"
    # the absolute difference, its CI and unit beside each row
    row = cmp.set_index("metric").loc["x_deg"]
    texts = [t.get_text() for t in ax.texts]
    assert f"{row['diff']:+.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}] deg" in texts
    assert any(t.endswith(" ms") for t in texts)
    # the plotted points are the table's g; metrics= selects and orders
    ax2 = gplot.forest(cmp, metrics=["y_ms", "x_deg"])
    assert [t.get_text() for t in ax2.get_yticklabels()] == ["y_ms", "x_deg"]
    with pytest.raises(ValueError, match="lacks columns"):
        gplot.forest(cmp.drop(columns=["n"]))


def test_spm_figure_writes_small_p_as_an_inequality():
    rng = np.random.default_rng(1)
    ya = rng.standard_normal((10, 101)).cumsum(axis=1) * 0.1 + 5 * np.sin(np.linspace(0, np.pi, 101))
    yb = rng.standard_normal((10, 101)).cumsum(axis=1) * 0.1
    res = gaitcore.spm_ttest2(ya, yb).inference()
    assert min(c.p for c in res.clusters) < 0.001
    ax = gplot.spm(res)
    assert "p < 0.001" in [t.get_text() for t in ax.texts]


def test_save_trial_figures(tmp_path, trial, report):
    paths = gplot.save_trial_figures(report, tmp_path / "figs", trial, prefix="run_")
    names = ["run_angles", "run_cadence_spectrum", "run_factor_profile", "run_force_contacts"]
    assert sorted(p.name for p in paths) == sorted(n + s for n in names for s in (".png", ".svg"))
    for p in paths:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and _png_dpi(p) == pytest.approx(300, abs=0.5)
        else:
            assert b"<svg" in p.read_bytes()[:2000]
    assert plt.get_fignums() == []  # closed after saving


def test_angle_figure_has_one_legend_outside_the_panels(report):
    fig = gplot._angle_panels(report, "")
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    for ax in fig.axes:
        if ax.get_visible():
            box = ax.get_window_extent()
            assert legend.y1 <= box.y0 or legend.y0 >= box.y1 or legend.x1 <= box.x0 or legend.x0 >= box.x1


def test_simulated_trials_say_so_in_every_title(tmp_path):
    trial, _ = datasets.simulate_runner(seed=1)
    rep = gaitcore.analyze_trial(trial, static=datasets.path("Rajagopal_static_run.trc"))
    titles = []
    real_save = gplot.save_figure

    def spy(fig, path, dpi=300):
        titles.extend([fig._suptitle.get_text()] if fig._suptitle else [ax.get_title() for ax in fig.axes[:1]])
        return real_save(fig, path, dpi)

    gplot.save_figure = spy
    try:
        gplot.save_trial_figures(rep, tmp_path, trial)
    finally:
        gplot.save_figure = real_save
    assert len(titles) == 4 and all(t.startswith("SIMULATED") for t in titles), titles


def test_save_trial_figures_skips_what_a_trial_lacks(tmp_path):
    walk = gaitcore.read_trial(datasets.path("walk.c3d"))
    rep = gaitcore.analyze_trial(walk)
    paths = gplot.save_trial_figures(rep, tmp_path, None)
    # no trial given: no force figure; walk.c3d's strides come from its marker events; a walking
    # trial (107 steps/min) is never drawn against the running reference bands
    assert set(rep.cycles) == {"L", "R"} and gplot.gait_mode(rep) == "walking"
    assert {p.name for p in paths} == {"angles.png", "angles.svg", "cadence_spectrum.png", "cadence_spectrum.svg"}
    with pytest.raises(ValueError, match="for running"):
        gplot.factor_profile(rep.factors, gait="walking")


def test_mean_sd_is_nan_aware_and_silent():
    import warnings
    y = np.array([[1.0, np.nan, 2.0], [3.0, np.nan, np.nan], [5.0, np.nan, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" warning
        mean, sd = gplot._mean_sd(y)
    np.testing.assert_allclose(mean, [3.0, np.nan, 3.0])
    np.testing.assert_allclose(sd, [2.0, np.nan, np.sqrt(2.0)])


def test_force_contacts_marks_events_on_their_own_plate():
    # overground: four plates not assigned to a foot; each event sits on the plate that gave it
    walk = gaitcore.read_trial(datasets.path("walk.c3d"))
    events = gaitcore.detect_events(walk, method="force")
    ax = gplot.force_contacts(walk, events)
    _png(ax)
    texts = _legend_texts(ax)
    markers = [ax.lines[texts.index(t)] for t in texts if t[:2] in ("IC", "TO")]
    y = np.concatenate([m.get_ydata() for m in markers])
    assert len(y) == len(events) and np.all(np.abs(y) < 60)  # at the contact threshold, not another plate's load
    # events without a source plate sit on the trace of the plate loaded at the contact threshold
    kin = events.assign(source="")
    kin_ax = gplot.force_contacts(walk, kin)
    kin_y = np.concatenate([ln.get_ydata() for ln in kin_ax.lines[len(walk.plates):]])
    np.testing.assert_allclose(np.sort(kin_y), np.sort(y))


def test_docstring_example():
    import doctest
    result = doctest.testmod(gplot)
    assert result.attempted >= 4 and result.failed == 0
