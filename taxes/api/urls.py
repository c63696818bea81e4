from django.urls import path

import portfolios.api.schema  # noqa: F401  (the <api_id:…> converter)
from taxes.api import views

urlpatterns = [
    path("taxes/<int:year>/summary/", views.summary, name="api-tax-summary"),
    path("taxes/<int:year>/download/<str:fmt>/", views.download, name="api-tax-download"),
    path("taxes/reports/<api_id:job_id>/", views.report_job, name="api-tax-report"),
    path("taxes/reports/<api_id:job_id>/file/", views.report_job_file, name="api-tax-report-file"),
    path("taxes/harvest/", views.harvest, name="api-tax-harvest"),
    path("taxes/planner/", views.planner, name="api-tax-planner"),
]
