from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from adoption.accounts import views as accounts_views
from adoption.accounts.throttle import ThrottledAuthenticationForm
from adoption.core import views as core_views
from adoption.dashboards import views as dashboards_views

account_patterns = [
    path("", accounts_views.account, name="account"),
    path("tokens/", accounts_views.token_create, name="api-token-create"),
    path("tokens/<slug:digest>/revoke/", accounts_views.token_revoke, name="api-token-revoke"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
]

handler404 = core_views.page_not_found

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("status/replicas", core_views.replica_status, name="replica-status"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_patterns)),
    path("api/", include("adoption.api.urls")),
    path("", dashboards_views.home, name="home"),
    path("", include("adoption.barriers.urls")),
    path("", include("adoption.escalations.urls")),
    path("", include("adoption.notifications.urls")),
    path("", include("adoption.dashboards.urls")),
    path("", include("adoption.registry.urls")),
]
