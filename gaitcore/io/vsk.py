"""Vicon subject files (.vsk): the subject measurements and Plug-in Gait static offsets.

A Vicon labelling skeleton (VSK, XML) keeps the subject's measurements (body mass, leg lengths,
knee and ankle widths ...) and, once the static trial has been processed, Plug-in Gait's static
calibration (StaticPlantFlex, StaticRotOff, TibialTorsion per side, radians) as
``<StaticParameter NAME=... VALUE=.../>`` elements of its ``<Parameters>``.  A lab whose C3D
files carry no PROCESSING group keeps them there.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from .._errors import FormatError
from ._common import existing_file

__all__ = ["read_vsk"]

#: gaitcore metadata key -> VSK parameter name (lengths mm, mass kg), as the C3D reader's keys
_METADATA = {"body_mass_kg": "Bodymass", "height_mm": "Height", "inter_asis_mm": "InterAsisDistance"}
_SIDED_METADATA = {"leg_length_mm": "LegLength", "knee_width_mm": "KneeWidth", "ankle_width_mm": "AnkleWidth",
                   "asis_trochanter_mm": "AsisTrocanterDistance"}
_SIDES = (("L", "Left"), ("R", "Right"))
#: a VSK is a few tens of kB; refuse to parse anything far larger as one
_MAX_BYTES = 16 * 2**20


def read_vsk(path) -> dict:
    """Subject measurements and Plug-in Gait static offsets of a Vicon subject file (.vsk).

    Parameters
    ----------
    path : str or os.PathLike, the .vsk file

    Returns
    -------
    dict with

    - ``"metadata"``: subject measurements under the keys of ``Trial.metadata`` (``body_mass_kg``,
      ``height_mm``, ``inter_asis_mm``, ``leg_length_mm_L``, ``knee_width_mm_R``,
      ``ankle_width_mm_L`` ...); pass it as ``metadata=`` of :func:`gaitcore.pig_static_calibration`
      or merge it into a trial's metadata;
    - ``"calibration"``: the static offsets under the keys of ``calibration=`` of
      :func:`gaitcore.joint_angles` (``{side}_static_plantar_flexion_deg``,
      ``{side}_static_rotation_offset_deg``, ``{side}_tibial_torsion_deg``), degrees (the file's
      radians converted); empty when the static has not been processed.

    A parameter given only as an expression (no VALUE), or with a value that is not a finite
    number (or not > 0 for a measurement), is left out.

    Raises
    ------
    FileNotFoundError, FormatError (not XML, or no ``<Parameters>``).

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> vsk = gaitcore.read_vsk(datasets.path("pyCGM_Sample_SM.vsk"))
    >>> vsk["metadata"]["knee_width_mm_L"], round(vsk["calibration"]["L_static_plantar_flexion_deg"], 2)
    (105.0, 11.6)
    """
    from ..kinematics import _CALIBRATION  # calibration= key -> Vicon name, as in PROCESSING (radians)

    values = _parameter_values(existing_file(path))
    metadata = {key: values[name] for key, name in _METADATA.items() if values.get(name, 0) > 0}
    calibration = {}
    for side, word in _SIDES:
        for key, name in _SIDED_METADATA.items():
            if values.get(word + name, 0) > 0:
                metadata[f"{key}_{side}"] = values[word + name]
        for key, name in _CALIBRATION.items():
            if word + name in values:
                calibration[f"{side}_{key}"] = math.degrees(values[word + name])
    return {"metadata": metadata, "calibration": calibration}


def _parameter_values(path) -> dict[str, float]:
    """NAME -> VALUE (finite floats) of every parameter element of the file."""
    if path.stat().st_size > _MAX_BYTES:
        raise FormatError(path, f"larger than {_MAX_BYTES} bytes: not a Vicon subject file")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise FormatError(path, f"not a Vicon subject file (XML): {exc}") from None
    params = [el for el in root.iter() if _local(el.tag) == "Parameters"]
    if not params:
        raise FormatError(path, "no <Parameters> element: not a Vicon subject file")
    out = {}
    for el in params[0]:
        name, value = el.get("NAME"), el.get("VALUE")
        if _local(el.tag) not in ("StaticParameter", "Parameter") or not name or value is None:
            continue
        try:
            number = float(value)
        except ValueError:
            continue
        if math.isfinite(number):
            out[name] = number
    return out


def _local(tag) -> str:
    """The tag without an XML namespace ({uri}Name -> Name); "" for comments."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
