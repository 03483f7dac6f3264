import json
import logging

from dialer.logs import JsonFormatter


def test_json_lines_carry_extra_fields_and_errors() -> None:
    record = logging.LogRecord("dialer.service", logging.WARNING, __file__, 1, "originate %s failed", ("+7",), None)
    record.campaign = "c1"
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["msg"], line["campaign"]) == (
        "warning",
        "dialer.service",
        "originate +7 failed",
        "c1",
    )
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exc"]
