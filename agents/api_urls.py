"""The agent marketplace API, included at /api/ (see agents/apis.py)."""

from django.urls import path

from agents import apis

urlpatterns = [
    path("agents/signup", apis.SignupApi.as_view(), name="api-agent-signup"),
    path("agents/me", apis.MeApi.as_view(), name="api-agent-me"),
    path("shifts/", apis.ShiftListApi.as_view(), name="api-shifts"),
    path("shifts/claims/", apis.MyClaimsApi.as_view(), name="api-shift-claims"),
    path("shifts/<int:slot_id>/claim", apis.ShiftClaimApi.as_view(), name="api-shift-claim"),
    path("shifts/claims/<int:claim_id>/cancel", apis.ShiftCancelApi.as_view(), name="api-shift-cancel"),
    path("presence/online", apis.OnlineApi.as_view(), name="api-presence-online"),
    path("presence/offline", apis.OfflineApi.as_view(), name="api-presence-offline"),
    path("presence/heartbeat", apis.HeartbeatApi.as_view(), name="api-presence-heartbeat"),
    path("queue/", apis.QueueApi.as_view(), name="api-queue"),
    path("queue/take-next", apis.TakeNextApi.as_view(), name="api-queue-take-next"),
    path("queue/<int:conversation_id>/take", apis.TakeApi.as_view(), name="api-queue-take"),
    path("queue/offers/", apis.MyOffersApi.as_view(), name="api-offers"),
    path("queue/offers/<int:offer_id>/accept", apis.OfferAnswerApi.as_view(accept=True), name="api-offer-accept"),
    path("queue/offers/<int:offer_id>/decline", apis.OfferAnswerApi.as_view(accept=False), name="api-offer-decline"),
    path("my/conversations/", apis.MyConversationsApi.as_view(), name="api-my-conversations"),
    path("my/conversations/<int:conversation_id>/", apis.MyConversationDetailApi.as_view(), name="api-my-conversation"),
    path(
        "my/conversations/<int:conversation_id>/messages",
        apis.MyConversationMessagesApi.as_view(),
        name="api-my-conversation-messages",
    ),
    path(
        "my/conversations/<int:conversation_id>/draft",
        apis.MyConversationDraftApi.as_view(),
        name="api-my-conversation-draft",
    ),
    path(
        "my/conversations/<int:conversation_id>/release",
        apis.MyConversationReleaseApi.as_view(),
        name="api-my-conversation-release",
    ),
    path(
        "my/conversations/<int:conversation_id>/resolve",
        apis.MyConversationResolveApi.as_view(),
        name="api-my-conversation-resolve",
    ),
    path("ops/applicants/", apis.ApplicantsApi.as_view(), name="api-ops-applicants"),
    path("ops/applicants/<int:profile_id>/decide", apis.ApplicantDecisionApi.as_view(), name="api-ops-decide"),
    path("ops/slots/", apis.OpsSlotsApi.as_view(), name="api-ops-slots"),
    path("ops/slots/<int:slot_id>", apis.OpsSlotApi.as_view(), name="api-ops-slot"),
]
