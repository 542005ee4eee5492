from django.urls import path

from tickets import views

app_name = "tickets"
urlpatterns = [path("chat/", views.chat, name="chat")]
