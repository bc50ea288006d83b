from django.urls import path

from dokreg.public import browse_views, export_views, overview_views, status_views, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("otsi/", views.results, name="results"),
    path("otsi/eksport.csv", export_views.results_csv, name="results_csv"),
    path("otsi/eksport.ndjson", export_views.results_ndjson, name="results_ndjson"),
    path("dokument/<int:pk>/", views.document, name="document"),
    path("asutus/<slug:slug>/", views.registry, name="registry"),
    path("asutus/<slug:slug>/sarjad/", browse_views.series_tree, name="series_tree"),
    # <path:> because a series code may hold a slash; the key is url-quoted in links.
    path("asutus/<slug:slug>/sari/<path:key>/", browse_views.series, name="series"),
    path("asutus/<slug:slug>/<int:year>/", browse_views.year, name="year"),
    path("asutus/<slug:slug>/<int:year>/<int:month>/", browse_views.month, name="month"),
    path("asi/<int:pk>/", browse_views.matter, name="matter"),
    path("registrid/", views.registries, name="registries"),
    path("ulevaade/", overview_views.national, name="overview"),
    path("olek/", status_views.status, name="status"),
    path("olek/<slug:slug>/", status_views.status_detail, name="status_detail"),
    path("teave/", views.about, name="about"),
    # <path:> because names of files found inside containers may carry folders.
    path("fail/<int:pk>/<path:name>", views.file_download, name="file"),
]
