"""我的一天: the rep's page for the day — follow-ups due, customers overdue for a
follow-up, near recycling or the end of protection, leads to work, key dates ahead and
development steps due. Built for a phone first (390 px)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm
from zhidu.org.views._common import guard

from ..selectors.activities import my_day as my_day_select


def can_see_my_day(user) -> bool:
    return has_perm(user, "customers.customer", Action.VIEW) or has_perm(user, "customers.activity", Action.VIEW)


@guard(can_see_my_day)
@require_GET
def my_day(request):
    return render(request, "customers/my_day/my_day.html", {"day": my_day_select(user=request.user)})


urlpatterns = [path("my-day/", my_day, name="my_day")]
