from __future__ import annotations

from django.urls import path

from scheduling.waitlist import views

urlpatterns = [
    path("waitlist/", views.entry_list, name="waitlist"),
    path("waitlist/new/", views.entry_add, name="waitlist-add"),
    path("waitlist/<int:pk>/cancel/", views.entry_cancel, name="waitlist-entry-cancel"),
    path("waitlist/<int:pk>/offer/", views.entry_offer, name="waitlist-entry-offer"),
    path("p/offer/<str:token>/", views.claim, name="waitlist-claim"),
]
