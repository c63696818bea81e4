from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from portfolios.api import backup, views
from portfolios.api.root import ApiRoot

root = SimpleRouter()
root.register("portfolios", views.PortfolioViewSet, basename="portfolio")
scoped = SimpleRouter()
scoped.register("accounts", views.AccountViewSet, basename="account")
scoped.register("transactions", views.TransactionViewSet, basename="transaction")
scoped.register("lots", views.TaxLotViewSet, basename="lot")
scoped.register("disposals", views.DisposalViewSet, basename="disposal")

app_name = "api"
urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("", include(root.urls)),
    path("portfolios/<int:portfolio_id>/", include(scoped.urls)),
    path("export/", backup.AccountExportView.as_view(), name="account-export"),
    path("restore/", backup.AccountRestoreView.as_view(), name="account-restore"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL (?script) instead of inline, so
    # the page runs under the site's Content-Security-Policy unchanged.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
