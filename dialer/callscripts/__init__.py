"""Call scripts (pure core): the markup and its rendering, the A/B split, conversion per version."""

from dialer.callscripts.conversion import Comparison, Tally, compare, difference_interval, wilson
from dialer.callscripts.markup import FIELDS, Script, ScriptError, parse_script, render_html
from dialer.callscripts.split import Rotation, arm_of, unit_draw, version_for

__all__ = [
    "FIELDS",
    "Comparison",
    "Rotation",
    "Script",
    "ScriptError",
    "Tally",
    "arm_of",
    "compare",
    "difference_interval",
    "parse_script",
    "render_html",
    "unit_draw",
    "version_for",
    "wilson",
]
