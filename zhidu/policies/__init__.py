"""Policies (制度): the company's rules as versioned, effective-dated data.

Contract with other apps
------------------------
1. An app that reads a rule registers its kind in ``AppConfig.ready``::

       register_policy(PolicyKind(key="allocation", label=_("Lead allocation"),
                                  clause="000 §1.3", model=AllocationPolicy))

   The pydantic model's defaults are the rule when the company has set nothing; raise a
   new ``schema_version`` with an upgrade function when the shape changes, so old stored
   versions always parse (``zhidu/policies/registry.py``).
2. The caller (a view, an API handler, a task) resolves the rule once and passes it to
   the service as an argument; the service never looks the rule up itself::

       policy = policy_resolve("allocation", unit=lead.owner_unit, on=today)
       allocation = lead_allocate(actor=..., lead=lead, policy=policy)

   so a what-if run can pass ``ResolvedPolicy.from_draft(draft)`` instead and replay a
   period under a draft without publishing it (a draft's result must not be stored).
3. What a service computes stores ``policy.version_id`` (``None`` for the default in
   code) and ``policy.ref`` (``"allocation v3 · 华东大区 · from 2026-11-01"``, or
   ``"allocation · default"``) on the row, so "which rule gave me this?" has an answer
   that survives later publications. ``policy.value`` is the pydantic instance.

Resolution: the nearest of the unit, its ancestors and the company-wide policy that has
a published version in force on the date wins; within it, the latest ``effective_from``
on or before the date (then the highest version number); else the default in code.
``with policy_cache(): …`` around a batch resolves each (kind, unit, date) once; a
publication drops every cache of the process, so a cache never outlives a publish.
"""

_EXPORTS = {
    "ResolvedPolicy": "selectors",
    "policy_resolve": "selectors",
    "policy_cache": "selectors",
    "PolicyKind": "registry",
    "register_policy": "registry",
    "policy_kind": "registry",
    "policy_kinds": "registry",
}


def __getattr__(name: str):
    # Lazy: this package is imported while Django loads its apps, before models exist.
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zhidu.policies' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"zhidu.policies.{module}"), name)


__all__ = sorted(_EXPORTS)
