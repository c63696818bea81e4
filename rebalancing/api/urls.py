from django.urls import path

import portfolios.api.schema  # noqa: F401  (the <api_id:…> converter)
from rebalancing.api import views

base = "portfolios/<api_id:portfolio_id>/"
one = f"{base}proposals/<api_id:proposal_id>/"
urlpatterns = [
    path(f"{base}target/", views.target, name="api-rebalancing-target"),
    path(f"{base}policy/", views.policy, name="api-rebalancing-policy"),
    path(f"{base}proposals/", views.proposals, name="api-rebalancing-proposals"),
    path(f"{base}proposals/harvest/", views.harvest_create, name="api-rebalancing-harvest"),
    path(one, views.proposal_detail, name="api-rebalancing-proposal"),
    path(f"{one}accept/", views.proposal_accept_api, name="api-rebalancing-accept"),
    path(f"{one}dismiss/", views.proposal_dismiss_api, name="api-rebalancing-dismiss"),
]
