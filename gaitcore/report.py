"""A self-contained HTML report of an analysed cohort (``gaitcore report results/``).

One file, ``report.html`` in the results folder, that opens in any browser from disk (no server,
no script, no external file: figures are inline SVG, styles inline).  Sections, each an element
with its id:

- ``summary``: trials analysed and failed, groups, provenance in one line ("SIMULATED" banner when
  the manifest carries planted parameters, as :func:`gaitcore.datasets.simulate_cohort` writes);
- ``factors``: the factor table, one row per trial, units under each name, the flags;
- ``comparisons``: :func:`gaitcore.compare_groups` (difference with unit and CI, Hedges' g, Welch
  p, Holm and Benjamini-Hochberg adjusted p, the family);
- ``forest``: the forest plot of those comparisons;
- ``curves``: :func:`gaitcore.compare_curves` (SPM{t} per angle curve) and the SPM figures of the
  curves with suprathreshold clusters;
- ``qc``: per-trial event quality (events per foot, their source, strides rejected, gap filling);
- ``failures``: trials that failed and why;
- ``methods``: methods with references, analysis options and software versions.

Figures need matplotlib (``pip install "gaitcore[plot]"``); without it the report says so in
place of each figure and keeps every table.

Example
-------
>>> gaitcore.analyze_cohort("study/manifest.csv", out="results/", report=True)  # doctest: +SKIP
>>> gaitcore.report.write_report("results/", by="group")                          # doctest: +SKIP
"""
from __future__ import annotations

import datetime as _dt
import html
import io
import json
import math
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ._units import unit_of

__all__ = ["write_report", "SECTIONS"]

#: the id and heading of every section, in page order
SECTIONS = {"summary": "Summary", "factors": "Factor table", "comparisons": "Group comparisons",
            "forest": "Forest plot", "curves": "SPM curve tests", "qc": "Per-trial event quality",
            "failures": "Failures", "methods": "Methods and versions"}

#: the factor columns shown first (the four back-pain factors and cadence); others follow
_KEY_FACTORS = ["cadence_steps_per_min", "pelvic_drop_deg_L", "pelvic_drop_deg_R", "trunk_lean_deg",
                "peak_hip_extension_deg_L", "peak_hip_extension_deg_R", "overstride_mm", "contact_time_ms",
                "duty_factor", "valr_bw_per_s"]
_MAX_SPM_FIGURES = 8
#: curves drawn even without a suprathreshold cluster (the back-pain factors over the stride)
_KEY_CURVES = ("L_hip_flexion", "R_hip_flexion", "R_pelvis_obliquity_right_up", "R_trunk_lean_forward_lean")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:75em;padding:0 1em;
color:#1b1b1b;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #ddd;padding:.2em .45em;
text-align:right;vertical-align:top}th{background:#f3f3f3}td.t,th.t{text-align:left}
th small{font-weight:normal;color:#555}.scroll{overflow-x:auto}.note{color:#555;font-size:.9em}
.banner{background:#fdecea;border:2px solid #c0392b;padding:.6em 1em;font-weight:bold;color:#922}
.sig{font-weight:bold}.fail{color:#922}figure{margin:1em 0}svg{max-width:100%;height:auto}
nav a{margin-right:1em}
"""


def write_report(folder, *, by: str = "group", reference=None, path=None, title: str | None = None) -> Path:
    """Write ``report.html`` (or ``path``) for the ``out`` folder of :func:`gaitcore.analyze_cohort`.

    Parameters
    ----------
    folder : the results folder (``factors.csv``, ``trials/``, ``curves/``, ``provenance.json``)
    by : the manifest column holding the groups compared (no comparison when it has < 2 groups)
    reference : the reference group (default: the first in the table)
    path : where to write (default ``<folder>/report.html``)
    title : page title (default "gaitcore cohort report: <folder name>")

    Returns
    -------
    pathlib.Path of the written file.
    """
    from . import _atomic
    from .cohort import read_factor_table

    folder = Path(folder)
    if not (folder / "factors.csv").exists():
        raise FileNotFoundError(f"{folder / 'factors.csv'} not found: analyse the cohort first "
                                f"(gaitcore analyze ... --out {folder})")
    table = read_factor_table(folder / "factors.csv")
    simulated = any(c.startswith("planted_") for c in table.columns)
    title = title or f"gaitcore cohort report: {folder.resolve().name}"
    if simulated and "SIMULATED" not in title.upper():
        title = f"SIMULATED DATA \u2014 {title}"
    context = _Context(folder, table, by, reference, simulated)
    body = [f"<h1>{_e(title)}</h1>", _nav()]
    if simulated:
        body.append('<p class="banner">SIMULATED DATA: these trials were generated with planted differences '
                    "(gaitcore.datasets.simulate_cohort). No conclusion about real runners can be drawn.</p>")
    for section, heading in SECTIONS.items():
        content = getattr(context, f"section_{section}")()
        body.append(f'<section id="{section}"><h2>{_e(heading)}</h2>\n{content}\n</section>')
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")
    target = Path(path) if path is not None else folder / "report.html"
    _atomic.write_text(target, page)
    return target


class _Context:
    """The data of one report and a method per section (each returns HTML)."""

    def __init__(self, folder: Path, table: pd.DataFrame, by: str, reference, simulated: bool):
        self.folder, self.table, self.by, self.reference, self.simulated = folder, table, by, reference, simulated
        self.ok = table[table["error"] == ""]
        self.provenance = _read_json(folder / "provenance.json")
        self.records = {tid: _read_json(folder / "trials" / f"{tid}.json") for tid in table["trial_id"]}
        self.comparison, self.comparison_note = self._compare()

    def _tag(self) -> str:
        return "SIMULATED: " if self.simulated else ""

    def _compare(self):
        from .cohort import compare_groups

        if self.by not in self.table.columns:
            return None, f"No column {self.by!r} in the table: no group comparison."
        try:
            return compare_groups(self.table, by=self.by, reference=self.reference), ""
        except ValueError as exc:
            return None, f"No group comparison: {exc}."

    # ---- sections ------------------------------------------------------------------------
    def section_summary(self) -> str:
        n, failed = len(self.table), int((self.table["error"] != "").sum())
        groups = self.ok[self.by].astype(str).value_counts().sort_index() if self.by in self.ok else pd.Series()
        group_text = ", ".join(f"{_e(g)}: {k}" for g, k in groups.items() if g) or "none"
        created = self.provenance.get("created", "unknown")
        return (f"<p>{n} trials: {n - failed} analysed, {failed} failed. Groups ({_e(self.by)}): {group_text}.</p>"
                f"<p class=\"note\">Results folder: {_e(str(self.folder.resolve()))}; analysed {_e(created)} with "
                f"gaitcore {_e(self.provenance.get('gaitcore', '?'))}; report written "
                f"{_dt.datetime.now().isoformat(timespec='seconds')}.</p>")

    def section_factors(self) -> str:
        metrics = [c for c in _KEY_FACTORS if c in self.table.columns]
        metrics += [c for c in self.table.select_dtypes("number").columns
                    if c not in metrics and not c.startswith("planted_") and c not in _TEXT]
        head = ["subject", self.by] if self.by in self.table.columns and self.by != "subject" else ["subject"]
        rows = []
        for _, r in self.table.iterrows():
            cells = [f'<td class="t">{_e(r[c])}</td>' for c in head]
            cells += [f"<td>{_num(r[m])}</td>" for m in metrics]
            flags = str(r.get("flags", "") or "")
            flagged = sorted({f.split(":", 1)[0].strip() for f in flags.split(";") if f.strip()})
            cells.append(f'<td class="t">{_details(", ".join(flagged), flags)}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        header = "".join(f'<th class="t">{_e(c)}</th>' for c in head)
        header += "".join(f"<th>{_e(m)}<br><small>{_e(unit_of(m) or 'ratio')}</small></th>" for m in metrics)
        header += '<th class="t">flags (metric: why it is NaN)</th>'
        return ('<p class="note">One row per trial; NaN ("n/a") where the data cannot support a metric, and the '
                "flags say why. Units under each name.</p>"
                f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody>'
                "</table></div>")

    def section_comparisons(self) -> str:
        if self.comparison is None:
            return f'<p class="note">{_e(self.comparison_note)}</p>'
        c = self.comparison
        families = "; ".join(sorted(set(c["family"].dropna().astype(str))))
        test = ", ".join(sorted(set(c["test"].dropna().astype(str))))
        rows = []
        for r in c.itertuples():
            sig = ' class="sig"' if _finite(r.p_holm) and r.p_holm < 0.05 else ""
            ci = f"{_num(r.ci_low)} to {_num(r.ci_high)}" if _finite(r.ci_low) else "n/a"
            rows.append(f'<tr{sig}><td class="t">{_e(r.metric)}</td><td class="t">{_e(r.group)}</td>'
                        f"<td>{_num(r.n, 0)}</td><td>{_num(r.n_reference, 0)}</td><td>{_num(r.diff)}</td>"
                        f'<td class="t">{_e(r.unit)}</td><td>{ci}</td><td>{_num(r.hedges_g)}</td>'
                        f"<td>{_p(r.p)}</td><td>{_p(r.p_holm)}</td><td>{_p(r.q_fdr)}</td>"
                        f'<td class="t">{_e(r.note)}</td></tr>')
        left = ("metric", "group", "unit", "note")
        header = "".join(f'<th class="{"t" if h in left else ""}">{_e(h)}</th>'
                         for h in ("metric", "group", "n", "n reference", "difference", "unit", "95% CI",
                                   "Hedges' g", "p", "p Holm", "q (BH)", "note"))
        return (f"<p>Each group against the reference <b>{_e(c['reference'].iloc[0])}</b>, {_e(test)} t test for both "
                f"the CI and p. Adjusted over the family: {_e(families)}. Bold: Holm-adjusted p &lt; 0.05.</p>"
                f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody>'
                "</table></div>")

    def section_forest(self) -> str:
        if self.comparison is None:
            return f'<p class="note">{_e(self.comparison_note)}</p>'

        def draw():
            from . import plot

            metrics = [m for m in _KEY_FACTORS if m in set(self.comparison["metric"])] or None
            return plot.forest(self.comparison, metrics=metrics,
                               title=f"{self._tag()}group differences").figure

        return _figure(draw, "Hedges' g with its 95% CI; beside each row the difference in the metric's unit.")

    def section_curves(self) -> str:
        from .cohort import compare_curves

        if self.comparison is None:
            return f'<p class="note">{_e(self.comparison_note)}</p>'
        try:
            curves = compare_curves(self.folder, by=self.by, reference=self.reference)
        except (ValueError, OSError) as exc:
            return f'<p class="note">No curve tests: {_e(exc)}</p>'
        if not len(curves):
            return '<p class="note">No stride-normalised curves were saved for these trials.</p>'
        rows = []
        for r in curves.itertuples():
            rows.append(f'<tr><td class="t">{_e(r.curve)}</td><td class="t">{_e(r.group)}</td>'
                        f"<td>{_num(r.n, 0)}</td><td>{_num(r.n_reference, 0)}</td>"
                        f"<td>{_num(getattr(r, 't_star', math.nan))}</td>"
                        f'<td class="t">{_e(getattr(r, "clusters", "") if isinstance(getattr(r, "clusters", ""), str) else "")}</td>'
                        f'<td class="t">{_e(r.note)}</td></tr>')
        header = "".join(f'<th class="t">{h}</th>' for h in ("curve", "group", "n", "n reference", "t*",
                                                           "clusters (% of stride, p)", "note"))
        figures = []
        spm = curves.attrs.get("spm", {})
        significant = [key for key, res in spm.items() if res.clusters]
        key_curves = [key for key in spm if key[0] in _KEY_CURVES and key not in significant]
        for curve, group in (significant + key_curves)[:_MAX_SPM_FIGURES]:
            def draw(res=spm[(curve, group)], name=curve, grp=group):
                from . import plot

                return plot.spm(res, title=f"{self._tag()}{name}: {grp} vs {self.comparison['reference'].iloc[0]}").figure
            figures.append(_figure(draw, f"SPM{{t}} of {curve} ({group}), two-tailed, alpha 0.05."))
        note = (f'<p class="note">Each test controls the error rate over the nodes of its own curve, not over the '
                f"{len(spm)} curves tested. {len(significant)} curves have suprathreshold clusters. Drawn: those "
                f"first, then hip flexion, pelvic obliquity and trunk lean (at most {_MAX_SPM_FIGURES}).</p>")
        return (note + f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}'
                "</tbody></table></div>" + "".join(figures))

    def section_qc(self) -> str:
        rows = []
        for _, r in self.table.iterrows():
            qc = (self.records.get(r["trial_id"]) or {}).get("qc", {})
            events = qc.get("events", {})
            cells = [_e(r["trial_id"]), _e(r["subject"])]
            cells += [str(events.get(k, "n/a")) for k in ("IC L", "IC R", "TO L", "TO R")]
            cells += [_e(qc.get("gait_mode", "n/a")), _e(qc.get("event_methods", "n/a")),
                      str(qc.get("events_out_of_order", "n/a")), str(qc.get("implausible_contacts", "n/a")),
                      str(qc.get("strides_rejected", "n/a")), _num(r.get("gap_filled_share", math.nan) * 100.0
                                                                 if _finite(r.get("gap_filled_share")) else math.nan),
                      _num(r.get("n_stances", math.nan), 0),
                      '<span class="fail">failed</span>' if r["error"] else "ok"]
            rows.append("<tr>" + "".join(f'<td class="t">{c}</td>' if i < 2 or i in (6, 7, 13) else f"<td>{c}</td>"
                                         for i, c in enumerate(cells)) + "</tr>")
        header = "".join(f"<th>{_e(h)}</th>" for h in ("trial", "subject", "IC left", "IC right", "TO left", "TO right",
                                                     "gait", "event source", "out of order", "implausible contacts",
                                                     "strides rejected", "gap-filled (%)", "stances", "status"))
        return ('<p class="note">Events found per foot, the gait mode and where the events came from (force '
                "plates or markers); events out of order, implausible contact times and strides rejected by the "
                "quality checks (gaitcore.event_quality); share of marker samples gap-filled.</p>"
                f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody>'
                "</table></div>")

    def section_failures(self) -> str:
        failed = self.table[self.table["error"] != ""]
        if not len(failed):
            return "<p>No trial failed.</p>"
        items = "".join(f'<li><span class="t">{_e(r.path)}</span>: <span class="fail">{_e(r.error)}</span></li>'
                        for r in failed.itertuples())
        return f"<p>{len(failed)} trials failed and are left out of every statistic:</p><ul>{items}</ul>"

    def section_methods(self) -> str:
        options = self.provenance.get("options") or {}
        option_text = ", ".join(f"{_e(k)} = {_e(v)}" for k, v in sorted(options.items())) or "the defaults"
        versions = _versions()
        version_rows = "".join(f'<tr><td class="t">{_e(k)}</td><td class="t">{_e(v)}</td></tr>' for k, v in versions)
        methods = "".join(f"<li>{m}</li>" for m in _METHODS)
        return (f"<p>Analysis options: {option_text}. The methods as gaitcore implements them, with their "
                "formulas and defaults, are in <code>docs/methods.md</code> of the gaitcore source.</p>"
                f"<ul>{methods}</ul><table><tbody>{version_rows}</tbody></table>")


_TEXT = {"n_stances", "gap_filled_share"}

_METHODS = [
    "Gait events: vertical force thresholds (20 N) with sub-sample interpolation (Tirosh &amp; Sparrow 2003); "
    "marker events where no plate was loaded (Hreljac &amp; Stergiou 2000 for running, Zeni et al. 2008 for walking).",
    "Cadence: counted from initial contacts, and from the Welch spectrum with parabolic peak refinement "
    "(Welch 1967).",
    "Joint angles: Conventional Gait Model frames, Harrington et al. 2007 hip joint centre, ISB joint coordinate "
    "system (Grood &amp; Suntay 1983; Wu et al. 2002), pelvis after Baker 2001.",
    "Factors: contralateral pelvic drop (Bramah et al. 2018), trunk lean (Teng &amp; Powers 2014), hip extension "
    "(Schache et al. 2000), over-striding (Souza 2016), loading rates (Schmida et al. 2022).",
    "Group comparisons: Welch's t test (Welch 1947) for p and the 95% CI of the difference; Hedges' g (Hedges "
    "&amp; Olkin 1985); Holm (1979) and Benjamini &amp; Hochberg (1995) adjustment over the metrics of each group.",
    "Curve tests: subjects' mean stride-normalised curves, two-sample SPM{t} with random field theory inference "
    "(Pataky 2012; Worsley et al. 1996).",
]


def _versions() -> list[tuple[str, str]]:
    from . import __version__

    out = [("gaitcore", __version__), ("Python", platform.python_version()), ("NumPy", np.__version__),
           ("pandas", pd.__version__), ("platform", platform.platform())]
    mpl = sys.modules.get("matplotlib")
    if mpl is not None:
        out.append(("matplotlib", mpl.__version__))
    return out


def _figure(draw, caption: str) -> str:
    """An inline SVG figure, or a note when matplotlib is missing."""
    try:
        from .plot import require_matplotlib

        require_matplotlib().use("Agg")
        fig = draw()
    except ModuleNotFoundError as exc:
        return f'<p class="note">Figure not drawn: {_e(exc)}</p>'
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inline
    return f"<figure>{svg}<figcaption class=\"note\">{_e(caption)}</figcaption></figure>"


def _nav() -> str:
    return "<nav>" + "".join(f'<a href="#{k}">{_e(v)}</a>' for k, v in SECTIONS.items()) + "</nav>"


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _e(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _num(value, digits: int = 3) -> str:
    if not _finite(value):
        return "n/a"
    v = float(value)
    return f"{v:.0f}" if digits == 0 else f"{v:.{digits}g}"


def _p(value) -> str:
    if not _finite(value):
        return "n/a"
    return "&lt; 0.001" if value < 0.001 else f"{value:.3f}"


def _details(summary: str, full: str) -> str:
    if not full:
        return ""
    return f"<details><summary>{_e(summary)}</summary>{_e(full)}</details>"
