"""Go's `fmt.Sprintf("%v", v)` for a JSON-decoded property value, as Flexprice renders it.

The server decodes event properties into `map[string]interface{}` (numbers become
float64) and compares meter filters against `%v` of each value
(internal/ee/service/meter_usage_tracking.go `checkMeterFilters`). For a float64 that
is strconv's shortest `%g`: the exponent form once the decimal exponent is below -4
or at least 6, so 1000000 renders as "1e+06" and never equals a filter value "1000000".
Shared by the probes (checking declared samples) and the sandbox (matching events).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


def go_v(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, int | float | Decimal):
        return _go_float(float(value))
    if isinstance(value, list):
        return "[" + " ".join(go_v(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _go_float(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64) (ftoa.go: shortest digits, eprec 6)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    sign, digits, exponent = Decimal(repr(f)).normalize().as_tuple()
    assert isinstance(exponent, int)
    ds = "".join(map(str, digits))
    nd = len(ds)
    exp = nd + exponent - 1  # decimal exponent of the first digit
    neg = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mant = ds[0] + ("." + ds[1:] if nd > 1 else "")
        return f"{neg}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    dp = exp + 1  # digits before the decimal point
    if dp <= 0:
        return f"{neg}0.{'0' * -dp}{ds}"
    if dp >= nd:
        return f"{neg}{ds}{'0' * (dp - nd)}"
    return f"{neg}{ds[:dp]}.{ds[dp:]}"
