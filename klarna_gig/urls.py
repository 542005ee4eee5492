from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from klarna_gig import views
from payouts.views import stripe_webhook

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("tickets.urls")),
    path("", include("agents.urls")),
    path("finance/", include("payouts.urls")),
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("ops/", include("tickets.quality.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("tickets.api_urls")),
    path("api/", include("agents.api_urls")),
    path("api/payouts/", include("payouts.api_urls")),
    path("api/quality/", include("tickets.quality.api_urls")),
]
