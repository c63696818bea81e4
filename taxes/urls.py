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
    path("taxes/reports/<int:job_id>/", summary.report_job, name="report_job"),
    path("taxes/reports/<int:job_id>/status/", summary.report_job_status, name="report_job_status"),
    path("taxes/reports/<int:job_id>/file/", summary.report_job_file, name="report_job_file"),
    # A portfolio's lots and realized gains, at the addresses they always had.
    path("portfolios/<int:portfolio_id>/lots/", lots.lot_list, name="lot_list"),
    path("portfolios/<int:portfolio_id>/realized/", realized.realized, name="realized"),
]
