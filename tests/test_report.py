"""The HTML cohort report: every section present, self-contained (no server, no external file),
and rendered by a headless browser (Debian's chromium, installed by `make chromium`) without
console errors."""
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pandas as pd
import pytest

import gaitcore
from gaitcore import datasets
from gaitcore.cli import main as cli_main
from gaitcore.report import SECTIONS, write_report

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A simulated cohort of 3 + 3 runners and one broken file, analysed with report=True."""
    root = tmp_path_factory.mktemp("report")
    manifest = datasets.simulate_cohort(root / "trials", n_per_group=3, seed=11)
    (root / "trials" / "broken.c3d").write_bytes(b"this is not a C3D file")
    rows = pd.concat([manifest, pd.DataFrame([{"path": "broken.c3d", "subject": "broken", "group": "control"}])])
    rows.to_csv(root / "trials" / "manifest.csv", index=False)
    with ThreadPoolExecutor(2) as ex:
        gaitcore.analyze_cohort(root / "trials" / "manifest.csv", out=root / "results", executor=ex,
                                progress=False, report=True)
    return root / "results"


class _Page(HTMLParser):
    """Ids, tags and every src/href of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.links = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("src", "href", "xlink:href"):
            if attrs.get(key):
                self.links.append(attrs[key])


def parse(path) -> tuple[_Page, str]:
    text = path.read_text()
    page = _Page()
    page.feed(text)
    return page, text


def test_report_has_every_section_and_is_self_contained(results):
    page, text = parse(results / "report.html")
    assert set(SECTIONS) <= page.ids
    # nothing loaded from elsewhere: no script, no stylesheet link, only in-page anchors
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert all(link.startswith("#") for link in page.links), [l for l in page.links if not l.startswith("#")]
    assert page.tags.count("svg") >= 2  # forest plot + at least one SPM figure
    assert "SIMULATED DATA" in text


def test_report_content(results):
    _, text = parse(results / "report.html")
    section = {k: re.search(f'<section id="{k}">(.*?)</section>', text, re.S).group(1) for k in SECTIONS}
    # factor table: units under the names, flags column
    assert "cadence_steps_per_min<br><small>steps/min</small>" in section["factors"]
    assert "flags" in section["factors"]
    # comparisons: adjusted p, family, unit beside the difference
    for word in ("p Holm", "q (BH)", "back_pain vs control:", "Welch", "steps/min"):
        assert word in section["comparisons"], word
    assert "<svg" in section["forest"] and "<svg" in section["curves"]
    # quality: events per foot from the plates; the broken trial failed and is listed
    assert "force" in section["qc"] and "failed" in section["qc"]
    assert "broken.c3d" in section["failures"] and "FormatError" in section["failures"]
    for word in ("gaitcore", "NumPy", "pandas", "Holm", "Benjamini", "Welch"):
        assert word in section["methods"], word


def test_report_command(results, tmp_path, capsys):
    target = tmp_path / "r.html"
    assert cli_main(["report", str(results), "--out", str(target)]) == 0
    assert f"report written to {target}" in capsys.readouterr().out
    page, _ = parse(target)
    assert set(SECTIONS) <= page.ids
    assert cli_main(["report", str(tmp_path / "nothing")]) == 2
    assert "factors.csv" in capsys.readouterr().err


def test_report_without_groups_still_has_every_section(tmp_path):
    shutil.copy(datasets.path("walk.c3d"), tmp_path / "walk.c3d")
    with ThreadPoolExecutor(1) as ex:
        gaitcore.analyze_cohort(tmp_path / "walk.c3d", out=tmp_path / "out", executor=ex, progress=False)
    page, text = parse(write_report(tmp_path / "out"))
    assert set(SECTIONS) <= page.ids and "No group comparison" in text and "SIMULATED" not in text


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (make chromium installs Debian's)")
def test_report_renders_in_headless_chromium(results, tmp_path):
    url = (results / "report.html").resolve().as_uri()
    proc = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
                           "--dump-dom", url], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})  # make sanitize preloads ASan
    assert proc.returncode == 0, proc.stderr[-3000:]
    dom = proc.stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom, section
    assert dom.count("<svg") >= 2
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
               or "Failed to load resource" in line or "Not allowed to load" in line]
    assert not console, console
