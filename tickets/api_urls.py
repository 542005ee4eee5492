from django.urls import path

from tickets import apis

urlpatterns = [
    path("conversations/", apis.ConversationStartApi.as_view(), name="conversation-start"),
    path("conversations/<uuid:public_id>/", apis.ConversationDetailApi.as_view(), name="conversation-detail"),
    path("conversations/<uuid:public_id>/messages/", apis.MessagesApi.as_view(), name="conversation-messages"),
    path("conversations/<uuid:public_id>/human/", apis.HumanApi.as_view(), name="conversation-human"),
    path(
        "conversations/<uuid:public_id>/bot-feedback/", apis.BotFeedbackApi.as_view(), name="conversation-bot-feedback"
    ),
    path("conversations/<uuid:public_id>/csat/", apis.CsatApi.as_view(), name="conversation-csat"),
    path("conversations/<uuid:public_id>/read/", apis.ReadApi.as_view(), name="conversation-read"),
    path("conversations/<uuid:public_id>/typing/", apis.TypingApi.as_view(), name="conversation-typing"),
]
