from django.urls import path

from rebalancing.api import views

base = "portfolios/<int:portfolio_id>/"
one = f"{base}proposals/<int:proposal_id>/"
urlpatterns = [
    path(f"{base}target/", views.target, name="api-rebalancing-target"),
    path(f"{base}policy/", views.policy, name="api-rebalancing-policy"),
    path(f"{base}proposals/", views.proposals, name="api-rebalancing-proposals"),
    path(one, views.proposal_detail, name="api-rebalancing-proposal"),
    path(f"{one}accept/", views.proposal_accept_api, name="api-rebalancing-accept"),
    path(f"{one}dismiss/", views.proposal_dismiss_api, name="api-rebalancing-dismiss"),
]
