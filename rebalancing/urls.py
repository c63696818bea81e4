from django.urls import URLPattern, path

from rebalancing.views import harvest, impact, policy, proposals, targets

app_name = "rebalancing"
base = "portfolios/<int:portfolio_id>/"
one = f"{base}proposals/<int:proposal_id>/"

urlpatterns: list[URLPattern] = [
    path(f"{base}target/", targets.target_edit, name="target"),
    path(f"{base}policy/", policy.policy_edit, name="policy"),
    path(f"{base}proposals/", proposals.proposal_list, name="proposal_list"),
    path(one, proposals.proposal_detail, name="proposal_detail"),
    path(f"{one}accept/", proposals.proposal_accept_view, name="proposal_accept"),
    path(f"{one}dismiss/", proposals.proposal_dismiss_view, name="proposal_dismiss"),
    path(f"{base}impact/", impact.impact, name="impact"),
    path(f"{base}harvest/", harvest.harvest_create, name="harvest_create"),
]
