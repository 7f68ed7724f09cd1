"""Published random-field-theory numbers (docs/methods.md D.5), checked with gaitcore alone: this
file needs no optional dependency, so it never skips with the spm1d comparisons of test_stats_spm.py."""
import pytest

import gaitcore


def test_published_rft_numbers():
    """spm1d docs (outputs.rst), a public spm1d notebook and the rft1d docstring."""
    assert gaitcore.rft_t_threshold(0.05, 9, (1, 8.82417)) == pytest.approx(3.82411, abs=5e-6)
    assert gaitcore.stats._core.spm_rft(2, 3.86630, 9, 1, 8.82417, 0.26740) == pytest.approx(0.03102, abs=5e-6)
    assert gaitcore.rft_t_threshold(0.025, 8, (1, 24.05429)) == pytest.approx(5.56250, abs=5e-6)
    ec = gaitcore.stats._core.spm_rft
    assert ec(0, 1.0, 8, 1, 100 / 15, 0) == pytest.approx(1.343, abs=5e-4)
    assert ec(0, 4.5, 8, 1, 100 / 15, 0) == pytest.approx(0.0223, abs=1e-4)
