from django.urls import URLPattern, path

from portfolios.views import assets, dashboard, imports, prices, setup, sharing, transactions

app_name = "portfolios"
tx = "portfolios/<int:portfolio_id>/transactions/"
acct = "portfolios/<int:portfolio_id>/accounts/<int:account_id>/"

urlpatterns: list[URLPattern] = [
    path("", dashboard.home, name="home"),
    path("portfolios/new/", dashboard.portfolio_create, name="portfolio_create"),
    path("portfolios/<int:portfolio_id>/", dashboard.dashboard, name="dashboard"),
    path("portfolios/<int:portfolio_id>/settings/", setup.portfolio_settings, name="portfolio_settings"),
    path("portfolios/<int:portfolio_id>/delete/", setup.portfolio_delete, name="portfolio_delete"),
    path("portfolios/<int:portfolio_id>/accounts/", dashboard.account_list, name="account_list"),
    path("portfolios/<int:portfolio_id>/accounts/new/", setup.account_create, name="account_create"),
    path(f"{acct}edit/", setup.account_edit, name="account_edit"),
    path(f"{acct}delete/", setup.account_delete, name="account_delete"),
    path(f"{acct}method/", setup.account_method, name="account_method"),
    path(f"{acct}method/<int:change_id>/delete/", setup.account_method_delete, name="account_method_delete"),
    path(
        "portfolios/<int:portfolio_id>/accounts/<int:account_id>/",
        dashboard.account_detail,
        name="account_detail",
    ),
    path(tx, transactions.transaction_list, name="transaction_list"),
    path(f"{tx}add/", transactions.transaction_add, name="transaction_add"),
    path(f"{tx}<int:tx_id>/edit/", transactions.transaction_edit, name="transaction_edit"),
    path(f"{tx}<int:tx_id>/delete/", transactions.transaction_delete, name="transaction_delete"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/<int:job_id>/", imports.import_preview, name="import_preview"),
    path("import/<int:job_id>/status/", imports.import_status, name="import_status"),
    path("import/<int:job_id>/done/", imports.import_done, name="import_done"),
    path("prices/upload/", prices.price_upload, name="price_upload"),
    path("prices/mine/", prices.asset_prices, name="asset_prices"),
    path("prices/mine/<int:price_id>/delete/", prices.asset_price_delete, name="asset_price_delete"),
    path("assets/", assets.asset_list, name="asset_list"),
    path("sharing/", sharing.sharing_overview, name="sharing"),
    path("sharing/grant/", sharing.grant_create, name="grant_create"),
    path("sharing/<int:grant_id>/revoke/", sharing.grant_revoke, name="grant_revoke"),
    path("sharing/<int:grant_id>/leave/", sharing.grant_leave, name="grant_leave"),
    path("assets/<int:asset_id>/class/", assets.asset_class, name="asset_class"),
]
