"""The agent marketplace as REST: the twin of every agent and ops page (session or token auth).

Thin: check the role, validate, call one service or selector, serialize. Errors of our
services carry a stable code and status (klarna_gig.api_errors); invalid fields also list
`errors` per field. Agents only ever reach their own shifts and their own tickets.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from agents import selectors
from agents.exceptions import AgentNotApproved, InputInvalid, NotYourOffer
from agents.models import AgentProfile, AgentStatus, ShiftClaim, ShiftSlot, TicketOffer
from agents.roles import AGENT, OPS, has_role
from agents.serializers import (
    AgentSlotSerializer,
    ApplicantSerializer,
    ClaimSerializer,
    ConversationDetailSerializer,
    ConversationSummarySerializer,
    DecisionSerializer,
    DraftSerializer,
    MeSerializer,
    OfferSerializer,
    PresenceSerializer,
    ProfileSerializer,
    QueueSerializer,
    ReleaseSerializer,
    ResolveSerializer,
    SignupSerializer,
    SlotSerializer,
    SlotWriteSerializer,
)
from agents.services import dispatch, onboarding, presence, shifts, workspace
from tickets import queue
from tickets.exceptions import NotYourTicket
from tickets.models import ActorKind, Conversation
from tickets.serializers import (
    ErrorSerializer,
    MessageCreateSerializer,
    MessageListQuerySerializer,
    MessageListSerializer,
    MessageSerializer,
)
from tickets.services import claims
from tickets.services.messages import message_payload

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input (with `errors` per field when fields are wrong)"),
    401: OpenApiResponse(ErrorSerializer, description="Not logged in"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed: wrong role, not approved, or not yours"),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not yours)"),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the current state"),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


# --- Permissions -------------------------------------------------------------------------------------


class IsAgent(BasePermission):
    """Holds the agent role and has an agent profile (any status)."""

    message = "This is for agents."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not has_role(request.user, AGENT):
            return False
        view.profile = selectors.agent_profile_of(user=request.user)
        return True


class IsApprovedAgent(IsAgent):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.profile.status != AgentStatus.APPROVED:
            raise AgentNotApproved()
        return True


class IsOps(BasePermission):
    message = "This is for operations staff."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return has_role(request.user, OPS)


class MarketApi(APIView):
    parser_classes = [JSONParser]
    profile: AgentProfile

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, InputInvalid):
            return Response(
                {"error": exc.code, "detail": str(exc), "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return super().handle_exception(exc)


def _valid(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Sign-up and me -------------------------------------------------------------------------------------


class SignupThrottle(AnonRateThrottle):
    scope = "agent_signup"
    rate = "10/hour"


class SignupApi(MarketApi):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignupThrottle]

    @extend_schema(
        tags=["agents"],
        auth=[],
        summary="Apply to be an agent (creates the account; ops approve or reject)",
        request=SignupSerializer,
        responses={201: ProfileSerializer, **_errors(400)},
    )
    def post(self, request: Request) -> Response:
        data = _valid(SignupSerializer, request.data)
        profile = onboarding.agent_apply(
            username=data["username"],
            password=data["password"],
            display_name=data["name"],
            email=data["email"],
            country=data["country"],
            time_zone=data["time_zone"],
            languages=data["languages"],
            skills=data["skills"],
            address=data["address"],
            tax_id=data["tax_id"],
        )
        return Response(ProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


def me_body(profile: AgentProfile) -> dict[str, Any]:
    day = selectors.agent_day(profile=profile)
    return {
        "profile": profile,
        "presence": day["presence"],
        "current_claim": day["current_claim"],
        "next_claim": day["next_claim"],
        "live_conversations": day["live_conversations"],
        "resolved_today": day["resolved_today"],
        "resolved_total": day["resolved_total"],
        "csat_average": day["csat_average"],
        "earnings": selectors.earnings_of(user=profile.user),
        "payout_account": selectors.payout_account_of(user=profile.user),
    }


class MeApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["agents"],
        summary="My day: profile, presence, today's shift, cases resolved, CSAT, earnings, payout account",
        responses={200: MeSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(me_body(self.profile)).data)


# --- Shifts -------------------------------------------------------------------------------------------


class ShiftListApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["shifts"],
        summary="Open shift slots I am eligible for (next 14 days), with my claim if I hold a seat",
        responses={200: AgentSlotSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(AgentSlotSerializer(selectors.open_slots_for(profile=self.profile), many=True).data)


class MyClaimsApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["shifts"],
        summary="My shift claims, newest first",
        responses={200: ClaimSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(ClaimSerializer(selectors.claims_of(profile=self.profile)[:200], many=True).data)


class ShiftClaimApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["shifts"],
        summary="Claim a seat in a shift (never overbooks; never two overlapping shifts)",
        request=None,
        responses={201: ClaimSerializer, **_errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, slot_id: int) -> Response:
        slot = get_object_or_404(ShiftSlot, pk=slot_id)
        claim = shifts.shift_claim(agent=request.user, slot=slot)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ShiftCancelApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["shifts"],
        summary="Cancel my claim: free before the cut-off, a late cancel after it",
        request=None,
        responses={200: ClaimSerializer, **_errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        # Someone else's claim is "not found" rather than a hint that it exists.
        claim = get_object_or_404(ShiftClaim, pk=claim_id, agent=self.profile)
        return Response(ClaimSerializer(shifts.shift_cancel(agent=request.user, claim=claim)).data)


# --- Presence -----------------------------------------------------------------------------------------


class OnlineApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["presence"],
        summary="Go online (only during a claimed shift that is running)",
        request=None,
        responses={200: PresenceSerializer, **_errors(401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        return Response(PresenceSerializer(presence.agent_go_online(agent=request.user)).data)


class OfflineApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["presence"],
        summary="Go offline; live tickets go back to the queue and their customers are told",
        request=None,
        responses={200: PresenceSerializer, **_errors(401, 403)},
    )
    def post(self, request: Request) -> Response:
        presence.agent_go_offline(agent=request.user)
        return Response(PresenceSerializer(selectors.presence_of(profile=self.profile)).data)


class HeartbeatApi(MarketApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["presence"],
        summary="Heartbeat (the agent socket sends one every 15 s; REST clients do the same)",
        request=None,
        responses={200: PresenceSerializer, **_errors(401, 403)},
    )
    def post(self, request: Request) -> Response:
        presence.agent_heartbeat(agent=request.user)
        return Response(PresenceSerializer(selectors.presence_of(profile=self.profile)).data)


# --- Queue --------------------------------------------------------------------------------------------


class QueueApi(MarketApi):
    permission_classes = [IsApprovedAgent]

    @extend_schema(
        tags=["queue"],
        summary="The queue: counts, and the tickets I may take with their handover packet",
        responses={200: QueueSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        body = {"counts": queue.queue_counts(), "tickets": queue.queue_for_agent(profile=self.profile)}
        return Response(QueueSerializer(body).data)


class TakeNextApi(MarketApi):
    permission_classes = [IsApprovedAgent]

    @extend_schema(
        tags=["queue"],
        summary="Take the best ticket I may handle (priority, then waiting time)",
        request=None,
        responses={200: ConversationSummarySerializer, **_errors(401, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        conversation = claims.claim_next_ticket(agent=request.user)
        return Response(ConversationSummarySerializer(selectors.conversation_summary(conversation)).data)


class TakeApi(MarketApi):
    permission_classes = [IsApprovedAgent]

    @extend_schema(
        tags=["queue"],
        summary="Take this ticket from the queue list (409 ticket_already_claimed if someone was faster)",
        request=None,
        responses={200: ConversationSummarySerializer, **_errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = get_object_or_404(Conversation, pk=conversation_id)
        conversation = claims.claim_ticket(agent=request.user, conversation=conversation)
        return Response(ConversationSummarySerializer(selectors.conversation_summary(conversation)).data)


# --- My conversations ----------------------------------------------------------------------------------


class MyConversationApi(MarketApi):
    """Base: one conversation, only while it is assigned to the asking agent."""

    permission_classes = [IsApprovedAgent]

    def conversation(self) -> Conversation:
        conversation = queue.conversation_of(agent=self.request.user, conversation_id=self.kwargs["conversation_id"])
        if conversation is None:
            raise NotYourTicket()
        return conversation


class MyConversationsApi(MarketApi):
    permission_classes = [IsApprovedAgent]

    @extend_schema(
        tags=["workspace"],
        summary="My live conversations",
        responses={200: ConversationSummarySerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        rows = [selectors.conversation_summary(c) for c in queue.conversations_of(agent=request.user)]
        return Response(ConversationSummarySerializer(rows, many=True).data)


class MyConversationDetailApi(MyConversationApi):
    @extend_schema(
        tags=["workspace"],
        summary="One of my conversations: transcript (redacted), handover summary, triage, knowledge answers",
        responses={200: ConversationDetailSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = self.conversation()
        workspace.conversation_viewed(user=request.user, conversation=conversation, actor_kind=ActorKind.AGENT)
        return Response(ConversationDetailSerializer(selectors.conversation_detail(conversation=conversation)).data)


class MyConversationMessagesApi(MyConversationApi):
    @extend_schema(
        tags=["workspace"],
        summary="Messages after a sequence number, oldest first",
        parameters=[MessageListQuerySerializer],
        responses={200: MessageListSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        from tickets.selectors import messages_since

        query = _valid(MessageListQuerySerializer, request.query_params)
        messages = messages_since(conversation=self.conversation(), after_seq=query["after_seq"], limit=query["limit"])
        body = {
            "messages": [message_payload(m) for m in messages],
            "last_seq": messages[-1].seq if messages else query["after_seq"],
        }
        return Response(MessageListSerializer(body).data)

    @extend_schema(
        tags=["workspace"],
        summary="Send my reply (idempotent on client_msg_id: 201 when stored, 200 for a resend)",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer, **_errors(400, 401, 403, 409)},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = _valid(MessageCreateSerializer, request.data)
        message, created = workspace.agent_reply(agent=request.user, conversation=self.conversation(), **data)
        return Response(
            MessageSerializer(message_payload(message)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MyConversationDraftApi(MyConversationApi):
    @extend_schema(
        tags=["workspace"],
        summary="An AI-drafted reply to review and edit (never sent by itself)",
        responses={200: DraftSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        return Response(DraftSerializer(selectors.draft_reply_for(conversation=self.conversation())).data)


class MyConversationReleaseApi(MyConversationApi):
    @extend_schema(
        tags=["workspace"],
        summary="Release the ticket back to the queue with a note for the next agent",
        request=ReleaseSerializer,
        responses={200: ConversationSummarySerializer, **_errors(400, 401, 403, 409)},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = _valid(ReleaseSerializer, request.data)
        conversation = workspace.agent_release(agent=request.user, conversation=self.conversation(), note=data["note"])
        return Response(ConversationSummarySerializer(selectors.conversation_summary(conversation)).data)


class MyConversationResolveApi(MyConversationApi):
    @extend_schema(
        tags=["workspace"],
        summary="Resolve with a resolution code: the customer is asked for CSAT, I earn the case",
        request=ResolveSerializer,
        responses={200: ConversationSummarySerializer, **_errors(400, 401, 403, 409)},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = _valid(ResolveSerializer, request.data)
        conversation = workspace.agent_resolve(
            agent=request.user, conversation=self.conversation(), resolution_code=data["resolution_code"]
        )
        return Response(ConversationSummarySerializer(selectors.conversation_summary(conversation)).data)


# --- Offers (dispatch) -----------------------------------------------------------------------------


class MyOffersApi(MarketApi):
    permission_classes = [IsApprovedAgent]

    @extend_schema(
        tags=["queue"],
        summary="Tickets offered to me right now (accept before they expire)",
        responses={200: OfferSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        offers = dispatch.open_offers_for(agent=request.user)
        return Response(OfferSerializer([dispatch.offer_body(o) for o in offers], many=True).data)


class OfferAnswerApi(MarketApi):
    permission_classes = [IsApprovedAgent]
    accept = True

    def offer(self) -> TicketOffer:
        offer = get_object_or_404(TicketOffer, pk=self.kwargs["offer_id"])
        if offer.agent_id != self.request.user.pk:
            raise NotYourOffer()
        return offer

    @extend_schema(
        tags=["queue"],
        summary="Answer an offer",
        request=None,
        responses={200: ConversationSummarySerializer, 204: None, **_errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, offer_id: int) -> Response:
        if self.accept:
            conversation = dispatch.offer_accept(agent=request.user, offer=self.offer())
            return Response(ConversationSummarySerializer(selectors.conversation_summary(conversation)).data)
        dispatch.offer_decline(agent=request.user, offer=self.offer())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Ops ----------------------------------------------------------------------------------------------


class ApplicantsApi(MarketApi):
    permission_classes = [IsOps]

    @extend_schema(
        tags=["ops"],
        summary="Agent applications (status=applied by default; status=all for everyone)",
        parameters=[OpenApiParameter("status", str, enum=[*AgentStatus.values, "all"], required=False)],
        responses={200: ApplicantSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status", AgentStatus.APPLIED)
        if wanted != "all" and wanted not in AgentStatus.values:
            raise InputInvalid({"status": [f"Use one of {', '.join([*AgentStatus.values, 'all'])}."]})
        profiles: QuerySet[AgentProfile] = selectors.applicants(status=None if wanted == "all" else wanted)
        return Response(ApplicantSerializer(profiles[:500], many=True).data)


class ApplicantDecisionApi(MarketApi):
    permission_classes = [IsOps]

    @extend_schema(
        tags=["ops"],
        summary="Approve or reject an application, with a note",
        request=DecisionSerializer,
        responses={200: ApplicantSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, profile_id: int) -> Response:
        data = _valid(DecisionSerializer, request.data)
        profile = get_object_or_404(AgentProfile, pk=profile_id)
        decided = onboarding.agent_decide(
            profile=profile, decided_by=request.user, approve=data["decision"] == "approve", note=data["note"]
        )
        return Response(ApplicantSerializer(decided).data)


class OpsSlotsApi(MarketApi):
    permission_classes = [IsOps]

    @extend_schema(
        tags=["ops"],
        summary="Shift slots not yet over",
        responses={200: SlotSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(SlotSerializer(selectors.slots_for_ops()[:1000], many=True).data)

    @extend_schema(
        tags=["ops"],
        summary="Publish a shift slot",
        request=SlotWriteSerializer,
        responses={201: SlotSerializer, **_errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = _valid(SlotWriteSerializer, request.data)
        slot = shifts.slot_create(created_by=request.user, **data)
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)


class OpsSlotApi(MarketApi):
    permission_classes = [IsOps]

    @extend_schema(
        tags=["ops"],
        summary="Edit a slot (seats never below those taken; the window moves only while no seat is taken)",
        request=SlotWriteSerializer(partial=True),
        responses={200: SlotSerializer, **_errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slot_id: int) -> Response:
        slot = get_object_or_404(ShiftSlot, pk=slot_id)
        serializer = SlotWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(SlotSerializer(shifts.slot_update(slot=slot, **serializer.validated_data)).data)
