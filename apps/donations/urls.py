from django.urls import path

from .views import DonationWebhookView

urlpatterns = [
    path("donations/webhook/", DonationWebhookView.as_view(), name="donations-webhook"),
]
