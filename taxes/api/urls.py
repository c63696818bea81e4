from django.urls import path

from taxes.api import views

urlpatterns = [
    path("taxes/<int:year>/summary/", views.summary, name="api-tax-summary"),
    path("taxes/<int:year>/download/<str:fmt>/", views.download, name="api-tax-download"),
]
