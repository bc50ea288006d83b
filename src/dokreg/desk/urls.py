from django.urls import path

from dokreg.desk import views

app_name = "desk"

# The tracking token is secrets.token_urlsafe(24): letters, digits, "-" and "_"; never a sequential id.
urlpatterns = [
    path("dokument/<int:pk>/taotlus/", views.request_form, name="request"),
    path("taotlus/<str:token>/kinnita/", views.request_confirm, name="confirm"),
    path("taotlus/<str:token>/", views.request_track, name="track"),
]
