"""This year's planning pages: losses to harvest and the year planner."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from taxes.planning import harvest_candidates, year_planner
from taxes.views.common import today_of, user_of


def harvest(request: HttpRequest) -> HttpResponse:
    data = harvest_candidates(owner=user_of(request), today=today_of(request))
    return render(request, "taxes/harvest.html", {"harvest": data})


def planner(request: HttpRequest) -> HttpResponse:
    data = year_planner(owner=user_of(request), today=today_of(request))
    return render(request, "taxes/planner.html", {"plan": data})
