"""Numbering (编号规则): document numbers such as ``HT-202611-0007``.

- A document type registers its default rule in code (``register_numbering("contract",
  _("Contract"), "HT")``: prefix, date part none/yyyy/yyyymm/yyyymmdd, sequence width,
  restart never/yearly/monthly/daily, separator); an admin may override it (page and
  ``/api/v1/numbering/``). A restart period finer than the date part is refused, since it
  would repeat numbers.
- ``number_next(key, on=None)`` issues the next number with one
  ``INSERT … ON CONFLICT (rule_key, period) DO UPDATE SET value = value + 1 RETURNING value``
  in the caller's transaction (it raises outside ``transaction.atomic``). The counter row
  stays locked until the document commits, so concurrent documents queue (PostgreSQL
  row lock; SQLite's IMMEDIATE transactions with a busy timeout) and a rollback frees
  the number: numbers are unique and gap-free. No database sequences (they leave gaps).
- Numbers are assigned at a defined state chosen by the owning app (a contract when it
  is signed, not when its draft is first saved), by ``document_number_assign(obj=…)``.
- Numbered documents are voided, never deleted: ``NumberedModel`` (abstract: ``number``
  unique per type, ``voided_at``, ``voided_by``, ``void_reason``) refuses ``delete()``,
  and ``document_void(actor=…, obj=…, reason=…)`` refuses without a reason.
"""

_EXPORTS = {
    "number_next": "services",
    "document_void": "services",
    "document_number_assign": "services",
    "register_numbering": "registry",
}


def __getattr__(name: str):
    # Lazy: this package is imported while Django loads its apps, before models exist.
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zhidu.numbering' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"zhidu.numbering.{module}"), name)


__all__ = sorted(_EXPORTS)
