from django.urls import path

from taxes.views import lots, planning, realized, summary

app_name = "taxes"
urlpatterns = [
    path("taxes/", summary.summary_latest, name="summary_latest"),
    path("taxes/harvest/", planning.harvest, name="harvest"),
    path("taxes/planner/", planning.planner, name="planner"),
    path("taxes/<int:year>/", summary.summary, name="summary"),
    path("taxes/<int:year>/download/<str:fmt>/", summary.download, name="download"),
    path("taxes/<int:year>/profile/", summary.profile_edit, name="profile"),
    # A portfolio's lots and realized gains, at the addresses they always had.
    path("portfolios/<int:portfolio_id>/lots/", lots.lot_list, name="lot_list"),
    path("portfolios/<int:portfolio_id>/realized/", realized.realized, name="realized"),
]
