from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from portfolios.api import views

root = SimpleRouter()
root.register("portfolios", views.PortfolioViewSet, basename="portfolio")
scoped = SimpleRouter()
scoped.register("accounts", views.AccountViewSet, basename="account")
scoped.register("transactions", views.TransactionViewSet, basename="transaction")
scoped.register("lots", views.TaxLotViewSet, basename="lot")
scoped.register("disposals", views.DisposalViewSet, basename="disposal")

app_name = "api"
urlpatterns = [
    path("", include(root.urls)),
    path("portfolios/<int:portfolio_id>/", include(scoped.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
