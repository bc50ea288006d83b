from django.urls import path

from dokreg.public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("otsi/", views.results, name="results"),
    path("dokument/<int:pk>/", views.document, name="document"),
    path("asutus/<slug:slug>/", views.registry, name="registry"),
    path("registrid/", views.registries, name="registries"),
    path("teave/", views.about, name="about"),
    # <path:> because names of files found inside containers may carry folders.
    path("fail/<int:pk>/<path:name>", views.file_download, name="file"),
]
