from django.urls import path

from dokreg.alerts import views

app_name = "alerts"

urlpatterns = [
    path("tellimus/", views.subscribe, name="subscribe"),
    path("tellimus/kinnita/<str:token>/", views.confirm, name="confirm"),
    path("tellimus/loobu/<str:token>/", views.cancel, name="cancel"),
]
