from django.urls import path

from taxes.api import views

urlpatterns = [
    path("taxes/<int:year>/summary/", views.summary, name="api-tax-summary"),
    path("taxes/<int:year>/download/<str:fmt>/", views.download, name="api-tax-download"),
    path("taxes/reports/<int:job_id>/", views.report_job, name="api-tax-report"),
    path("taxes/reports/<int:job_id>/file/", views.report_job_file, name="api-tax-report-file"),
]
