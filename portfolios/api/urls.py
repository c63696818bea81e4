from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from portfolios.api import assets, backup, imports, snapshots, tokens, views
from portfolios.api.root import ApiRoot, not_found
from portfolios.api.schema import IdConverter  # noqa: F401  (registers <api_id:…>)

root = SimpleRouter()
root.register("portfolios", views.PortfolioViewSet, basename="portfolio")
root.register("tokens", tokens.ApiTokenViewSet, basename="api-token")
root.register("assets", assets.AssetViewSet, basename="asset")
root.register("imports", imports.ImportJobViewSet, basename="import")
scoped = SimpleRouter()
scoped.register("accounts", views.AccountViewSet, basename="account")
scoped.register("transactions", views.TransactionViewSet, basename="transaction")
scoped.register("lots", views.TaxLotViewSet, basename="lot")
scoped.register("disposals", views.DisposalViewSet, basename="disposal")

app_name = "api"
urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("", include(root.urls)),
    path("portfolios/<api_id:portfolio_id>/", include(scoped.urls)),
    path("portfolios/<api_id:portfolio_id>/snapshot/", snapshots.snapshot, name="snapshot"),
    path("portfolios/<api_id:portfolio_id>/history/", snapshots.history, name="history"),
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
    # Last: any other address under /api/ is a JSON 404, as the API's own are (this app's URLs are
    # included after the other apps').
    re_path(r"^[\s\S]*$", not_found),
]
