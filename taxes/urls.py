from django.urls import path

from taxes.views import lots, realized

app_name = "taxes"
urlpatterns = [
    # A portfolio's lots and realized gains, at the addresses they always had.
    path("portfolios/<int:portfolio_id>/lots/", lots.lot_list, name="lot_list"),
    path("portfolios/<int:portfolio_id>/realized/", realized.realized, name="realized"),
]

