from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class NumberingRuleOut(Schema):
    key: str
    label: str
    prefix: str
    date_part: str = Field(description="none, yyyy, yyyymm or yyyymmdd")
    width: int
    reset: str = Field(description="never, yearly, monthly or daily")
    separator: str = Field(description="'-', '_', '.' or '' (none)")
    overridden: bool = Field(description="True when an admin changed the default in code.")
    default: dict[str, Any] = Field(description="The default rule in code.")
    last_issued: int = Field(description="Numbers issued in today's period.")
    next_number: str = Field(description="The number the next document would get today.")


class NumberingRuleIn(Schema):
    prefix: str = ""
    date_part: str = "yyyymm"
    width: Any = Field(4, description="1 to 12")
    reset: str = "monthly"
    separator: str = "-"
