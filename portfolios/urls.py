from portfolios.urls_dashboard import urlpatterns as dashboard_urlpatterns
from portfolios.urls_ledger import urlpatterns as ledger_urlpatterns

app_name = "portfolios"
urlpatterns = [*dashboard_urlpatterns, *ledger_urlpatterns]
