"""The fairness report page (000 §1.3 公平、公正、公开): leads received against capacity per
person, the Gini coefficient and later conversion, for a unit and a week or a month,
with an ECharts chart (data through ``json_script``, started by the shell's charts.js).
Open to the people it concerns: a person sees their own teams, a manager their units."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from zhidu.org.views._common import guard, is_htmx, tabler

from ..forms.leads import FairnessForm
from ..selectors import leads as sel


def can_view(user) -> bool:
    return bool(sel.fairness_units_for(user))


@guard(can_view)
@require_GET
def fairness_report(request):
    units = sel.fairness_units_for(request.user)
    form = FairnessForm(request.GET or None, units=units)
    unit_id, kind, day = None, "month", None
    if form.is_valid():
        unit_id = form.cleaned_data.get("unit") or None
        kind = form.cleaned_data.get("period") or "month"
        day = form.cleaned_data.get("date")
    elif form.is_bound and "unit" in form.errors and str(request.GET.get("unit", "")).isdigit():
        # A unit outside the choices: let the selector say whether it is forbidden or unknown.
        unit_id = int(request.GET["unit"])
    unit = sel.fairness_unit_get(user=request.user, unit_id=unit_id)
    period = sel.period_of(kind, day)
    report = sel.fairness_report(unit=unit, period=period)
    form = FairnessForm(initial={"unit": unit.pk, "period": kind, "date": period.start}, units=units)
    ctx = {
        "form": tabler(form),
        "report": report,
        "unit": unit,
        "period": period,
        "chart": report.chart(),
        "legend": report.legend(),
        "chart_height": max(240, min(480, 120 + 24 * len(report.rows))),
    }
    template = "customers/fairness/partials/report.html" if is_htmx(request) else "customers/fairness/report.html"
    return render(request, template, ctx)


def register_widgets() -> None:
    """The dashboard card "Lead fairness this month" (when the shell has a dashboard)."""
    try:
        from zhidu.core.dashboard import Widget, register
    except ImportError:
        return
    register(
        Widget(
            key="customers.lead_fairness",
            title=gettext_lazy("Lead fairness this month"),
            template="customers/fairness/widget.html",
            data=sel.fairness_widget_data,
            permission=can_view,
            order=40,
            icon="scale",
        )
    )


urlpatterns = [
    path("leads/fairness/", fairness_report, name="fairness_report"),
]
