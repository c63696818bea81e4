from django.urls import URLPattern, path

from portfolios import views_ledger as views

tx = "portfolios/<int:portfolio_id>/transactions/"

urlpatterns: list[URLPattern] = [
    path(tx, views.transaction_list, name="transaction_list"),
    path(f"{tx}add/", views.transaction_add, name="transaction_add"),
    path(f"{tx}<int:tx_id>/edit/", views.transaction_edit, name="transaction_edit"),
    path(f"{tx}<int:tx_id>/delete/", views.transaction_delete, name="transaction_delete"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:job_id>/", views.import_preview, name="import_preview"),
    path("import/<int:job_id>/status/", views.import_status, name="import_status"),
    path("import/<int:job_id>/done/", views.import_done, name="import_done"),
]
