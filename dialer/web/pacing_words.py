"""The pacing engine's last decision in the admin's language.

The engine explains itself in one English line for engineers (`PacingDecision.reason`, kept for the API and
shown under "details"); an admin reads what it decided and why in words, built from the decision's fields."""

from __future__ import annotations

import re

from dialer.pacing import DialingMode, PacingDecision
from dialer.web.i18n import Translator

_LEARNING = re.compile(r"^learning \((\d+)/(\d+) (dials seen|talks seen|answers in the young hour)\)")


def decision_words(t: Translator, d: PacingDecision | None) -> str:
    if d is None:
        return ""
    calls = t.ngettext("{n} call", "{n} calls", d.calls_to_place)
    learning = _LEARNING.match(d.reason)
    if learning:
        seen, needed, what = learning.groups()
        if what == "dials seen":
            key = "Learning the list ({seen} of {needed} dials seen): dialling only for ready operators; {calls} now."
        elif what == "talks seen":
            key = (
                "Learning the list ({seen} of {needed} conversations seen): dialling only for ready operators; "
                "{calls} now."
            )
        else:  # a warm start's young hour (`core.gate_talks`)
            key = (
                "A new hour of dialling ({seen} of {needed} answers this hour): dialling only for ready operators "
                "until the hour holds enough answers; {calls} now."
            )
        return t.gettext(key, seen=seen, needed=needed, calls=calls)
    if d.guard_tripped:
        return t.gettext(
            "The abandon guard holds pacing back (this hour's or today's room is used up): "
            "dialling only for ready operators; {calls} now.",
            calls=calls,
        )
    if d.mode_used is DialingMode.PREDICTIVE:
        if d.expected_abandon_rate is not None and d.effective_target is not None:
            return t.gettext(
                "Predictive: {calls} now; expected abandon rate {expected} against the target {target}.",
                calls=calls,
                expected=t.pct(d.expected_abandon_rate, 2),
                target=t.pct(d.effective_target, 2),
            )
        return t.gettext("Predictive: {calls} now.", calls=calls)
    if d.mode_used is DialingMode.PROGRESSIVE:
        return t.gettext("Progressive: one call per ready operator; {calls} now.", calls=calls)
    if d.mode_used is DialingMode.RATIO:
        return t.gettext("Fixed ratio of lines per operator: {calls} now.", calls=calls)
    return t.gettext("{calls} now.", calls=calls)
