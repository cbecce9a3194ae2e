"""Policy documents as data: validating one against its kind's pydantic model (errors per
field path, translated where the wording is ours), the field-by-field diff the editor
shows, and the field help taken from the model's JSON Schema. Pure functions, no database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pydantic
from django.utils.translation import gettext as _

from zhidu.core.errors import NotFound, ValidationError

from .registry import PolicyKind, find_policy_kind


def kind_get(key: str) -> PolicyKind:
    kind = find_policy_kind(key) if isinstance(key, str) else None
    if kind is None:
        raise NotFound(_("There is no policy kind “%(kind)s”.") % {"kind": key}, code="unknown_kind")
    return kind


def path_str(loc: tuple | list) -> str:
    """``("tiers", 0, "rate")`` → ``tiers[0].rate``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _message(err: dict) -> str:
    """Pydantic's built-in messages are English; the common ones get our translated
    wording, a ``ValueError`` raised by a kind's own validator keeps its (translated) text."""
    typ = err.get("type", "")
    ctx = err.get("ctx") or {}
    if typ == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if typ == "assertion_error" and "error" in ctx:
        return str(ctx["error"])
    table = {
        "missing": _("This field is required."),
        "extra_forbidden": _("This field is not part of the policy."),
        "int_type": _("Enter a whole number."),
        "int_parsing": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "bool_type": _("Enter true or false."),
        "bool_parsing": _("Enter true or false."),
        "string_type": _("Enter text."),
        "list_type": _("Enter a list."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "model_attributes_type": _("Enter an object."),
        "date_type": _("Enter a date (YYYY-MM-DD)."),
        "date_parsing": _("Enter a date (YYYY-MM-DD)."),
        "date_from_datetime_parsing": _("Enter a date (YYYY-MM-DD)."),
    }
    if typ in table:
        return table[typ]
    if typ == "greater_than_equal":
        return _("Must be at least %(limit)s.") % {"limit": ctx.get("ge")}
    if typ == "greater_than":
        return _("Must be more than %(limit)s.") % {"limit": ctx.get("gt")}
    if typ == "less_than_equal":
        return _("Must be at most %(limit)s.") % {"limit": ctx.get("le")}
    if typ == "less_than":
        return _("Must be less than %(limit)s.") % {"limit": ctx.get("lt")}
    if typ in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if typ in {"too_short", "string_too_short"}:
        return _("Too short.")
    if typ in {"too_long", "string_too_long"}:
        return _("Too long.")
    return str(err.get("msg", _("Not valid.")))


def errors_to_fields(exc: pydantic.ValidationError, prefix: str = "document") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        path = path_str(err.get("loc", ()))
        key = f"{prefix}.{path}" if path else prefix
        fields.setdefault(key, []).append(_message(err))
    return fields


def document_parse_text(text: str) -> Any:
    """The editor's JSON text to data; a syntax error names its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = _("This is not valid JSON (line %(line)s, column %(col)s): %(error)s") % {
            "line": exc.lineno,
            "col": exc.colno,
            "error": exc.msg,
        }
        raise ValidationError(msg, fields={"document": [msg]})


def document_validate(kind: PolicyKind, document: Any, schema_version: int | None = None) -> pydantic.BaseModel:
    """The pydantic value of ``document``, or a :class:`ValidationError` with one entry per
    field path (``document.tiers[0].rate``)."""
    if not isinstance(document, dict):
        msg = _("The document must be a JSON object.")
        raise ValidationError(msg, fields={"document": [msg]})
    try:
        return kind.parse(document, schema_version)
    except pydantic.ValidationError as exc:
        fields = errors_to_fields(exc)
        raise ValidationError(
            _("The policy document has %(n)s error(s); fix them and save again.") % {"n": exc.error_count()},
            fields=fields,
        )
    except (KeyError, ValueError, TypeError) as exc:
        # An upgrade function could not lift an old document.
        msg = _("This document cannot be read with the current rules: %(error)s") % {"error": exc}
        raise ValidationError(msg, fields={"document": [msg]})


def document_normalise(kind: PolicyKind, document: Any, schema_version: int | None = None) -> dict:
    """Validated and written out in full (defaults filled in), in the current schema."""
    return document_validate(kind, document, schema_version).model_dump(mode="json")


@dataclass(frozen=True)
class DiffLine:
    path: str
    change: str  # "added" | "removed" | "changed"
    old: Any = None
    new: Any = None

    @property
    def old_json(self) -> str:
        return json.dumps(self.old, ensure_ascii=False)

    @property
    def new_json(self) -> str:
        return json.dumps(self.new, ensure_ascii=False)


_MISSING = object()


def document_diff(old: Any, new: Any, _path: tuple = ()) -> list[DiffLine]:
    """Field by field, nested: objects by key, lists by position."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[DiffLine] = []
        for key in list(old) + [k for k in new if k not in old]:
            out += document_diff(old.get(key, _MISSING), new.get(key, _MISSING), (*_path, key))
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for i in range(max(len(old), len(new))):
            out += document_diff(
                old[i] if i < len(old) else _MISSING, new[i] if i < len(new) else _MISSING, (*_path, i)
            )
        return out
    path = path_str(_path)
    if old is _MISSING and new is _MISSING:
        return []
    if old is _MISSING:
        return [DiffLine(path, "added", None, new)]
    if new is _MISSING:
        return [DiffLine(path, "removed", old, None)]
    if old != new or type(old) is not type(new):
        return [DiffLine(path, "changed", old, new)]
    return []


def _resolve_ref(schema: dict, root: dict) -> dict:
    seen = 0
    while "$ref" in schema and seen < 20:
        name = schema["$ref"].split("/")[-1]
        schema = {**root.get("$defs", {}).get(name, {}), **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _type_of(schema: dict, root: dict) -> str:
    schema = _resolve_ref(schema, root)
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "anyOf" in schema:
        return " | ".join(_type_of(s, root) for s in schema["anyOf"])
    typ = schema.get("type", "")
    if typ == "array" and "items" in schema:
        return f"[{_type_of(schema['items'], root)}]"
    if isinstance(typ, list):
        return " | ".join(typ)
    return typ or schema.get("title", "")


def schema_fields(kind: PolicyKind) -> list[dict[str, Any]]:
    """One row per field (nested fields as ``a.b``, list items as ``a[]``) with its type,
    default and description, from the model's JSON Schema: the help beside the editor."""
    root = kind.model.model_json_schema()
    rows: list[dict[str, Any]] = []

    def walk(schema: dict, prefix: str, depth: int) -> None:
        schema = _resolve_ref(schema, root)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            resolved = _resolve_ref(prop, root)
            rows.append(
                {
                    "path": path,
                    "title": resolved.get("title", name),
                    "type": _type_of(prop, root),
                    "default": json.dumps(prop.get("default", resolved.get("default")), ensure_ascii=False)
                    if ("default" in prop or "default" in resolved)
                    else "",
                    "required": name in required,
                    "description": resolved.get("description", prop.get("description", "")),
                    "constraints": {
                        k: resolved[k]
                        for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems")
                        if k in resolved
                    },
                }
            )
            if depth > 6:
                continue
            if resolved.get("type") == "object" or "properties" in resolved:
                walk(resolved, path, depth + 1)
            elif resolved.get("type") == "array" and "items" in resolved:
                items = _resolve_ref(resolved["items"], root)
                if "properties" in items:
                    walk(items, f"{path}[]", depth + 1)
            if isinstance(resolved.get("additionalProperties"), dict):
                values = _resolve_ref(resolved["additionalProperties"], root)
                if "properties" in values:
                    walk(values, f"{path}.*", depth + 1)

    walk(root, "", 0)
    return rows
