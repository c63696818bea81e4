from django.urls import URLPattern, path

from portfolios import views_dashboard as views
from portfolios import views_prices

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("portfolios/new/", views.portfolio_create, name="portfolio_create"),
    path("portfolios/<int:portfolio_id>/", views.dashboard, name="dashboard"),
    path("portfolios/<int:portfolio_id>/accounts/", views.account_list, name="account_list"),
    path(
        "portfolios/<int:portfolio_id>/accounts/<int:account_id>/",
        views.account_detail,
        name="account_detail",
    ),
    path("prices/upload/", views_prices.price_upload, name="price_upload"),
]
