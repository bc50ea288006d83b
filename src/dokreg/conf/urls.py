from django.contrib import admin
from django.urls import include, path

from dokreg.api.api import api
from dokreg.conf.health import health
from dokreg.public import feeds, sitemaps

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include(feeds)),
    path("", include(sitemaps)),
    path("", include("dokreg.desk.urls")),
    path("", include("dokreg.alerts.urls")),
    path("", include("dokreg.public.urls")),
]
