from django.contrib import admin
from django.urls import include, path

from portfolios.views import auth as views_auth
from portfolios.views import backup as views_backup
from portfolios.views import security as views_security
from portfolios.views import site as views_site

urlpatterns = [
    path("favicon.ico", views_site.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", include("taxes.api.urls")),
    path("api/", include("rebalancing.api.urls")),
    path("api/", include("portfolios.api.urls")),
    # Our login (shows the demo credentials) and sign-up first; Django's auth views for the rest.
    path("accounts/login/", views_auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", views_auth.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views_auth.signup, name="signup"),
    path("accounts/settings/", views_auth.account_settings, name="account_settings"),
    path("accounts/two-factor/", views_security.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/start/", views_security.two_factor_start, name="two_factor_start"),
    path("accounts/two-factor/setup/", views_security.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/recovery-codes/",
        views_security.recovery_codes_new,
        name="two_factor_recovery_codes",
    ),
    path("accounts/two-factor/disable/", views_security.two_factor_disable, name="two_factor_disable"),
    path("accounts/tokens/", views_security.token_create, name="api_token_create"),
    path("accounts/tokens/<int:token_id>/revoke/", views_security.token_revoke, name="api_token_revoke"),
    path("accounts/export/", views_backup.account_export_download, name="account_export"),
    path("accounts/restore/", views_backup.account_restore_upload, name="account_restore"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("taxes.urls")),
    path("", include("rebalancing.urls")),
    path("", include("portfolios.urls")),
]
