/* The agent workspace: one websocket (ws/agent/) for presence, the live queue and every conversation
 * the agent holds (frames carry "conversation"; docs/chat-protocol.md). Details that are not live —
 * handover summary, triage, knowledge-base answers, the suggested draft — come from /api/my/conversations/.
 * Customer text is always inserted with textContent, never as HTML. Nothing is ever sent without the
 * agent pressing Send. */
(() => {
  "use strict";
  const root = document.getElementById("workspace");
  if (!root) return;

  const HEARTBEAT_MS = 15000;
  const TYPING_EVERY_MS = 3000;
  const TYPING_IDLE_MS = 4000;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, text = null) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    if (text !== null) node.textContent = text;
    return node;
  };
  const uid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
  const minutes = (seconds) => (seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)} min`);

  const state = {
    socket: null,
    retry: 0,
    online: false,
    active: null, // conversation id shown
    convs: new Map(), // id -> {id, summary, messages: Map(seq -> frame), lastSeq, unread, pending: Map(client_msg_id -> body), detail}
    typingSentAt: 0,
    typingTimer: null,
  };

  // --- socket -------------------------------------------------------------------------------------

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socketPath}`);
    state.socket = socket;
    setStatus("Connecting…");
    socket.addEventListener("open", () => {
      state.retry = 0;
      setStatus("Connected");
      send({ type: "heartbeat" });
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handle(frame);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401 || event.code === 4403) {
        setStatus("You are not allowed on the agent socket. Log in again.");
        return;
      }
      const delay = Math.min(30000, 1000 * 2 ** state.retry) * (0.7 + Math.random() * 0.6);
      state.retry += 1;
      setStatus(`Disconnected — reconnecting in ${Math.round(delay / 1000)} s`);
      setTimeout(connect, delay);
    });
  }

  setInterval(() => send({ type: "heartbeat" }), HEARTBEAT_MS);

  function setStatus(text) {
    $("socket-status").textContent = text;
  }

  // --- frames from the server ------------------------------------------------------------------------

  function handle(frame) {
    switch (frame.type) {
      case "welcome":
        setPresence(frame.presence.online, frame.presence.reason);
        for (const summary of frame.conversations) addConversation(summary);
        for (const id of [...state.convs.keys()]) {
          if (!frame.conversations.some((c) => c.id === id)) dropConversation(id, "This conversation is no longer yours.");
        }
        for (const conv of state.convs.values()) send({ type: "hello", conversation: conv.id, last_seq: conv.lastSeq });
        renderQueue(frame.queue);
        renderOffers(frame.offers);
        if (state.active === null && state.convs.size) activate(state.convs.keys().next().value);
        break;
      case "queue":
        renderQueue(frame);
        break;
      case "claimed":
        addConversation(frame.summary);
        send({ type: "hello", conversation: frame.conversation, last_seq: 0 });
        activate(frame.conversation);
        break;
      case "message":
        addMessage(frame);
        break;
      case "ack": {
        const conv = state.convs.get(frame.conversation);
        if (conv) conv.pending.delete(frame.client_msg_id);
        break;
      }
      case "ready": {
        const conv = state.convs.get(frame.conversation);
        if (!conv) break;
        conv.lastSeq = Math.max(conv.lastSeq, frame.last_seq);
        // Resend what the server has not acknowledged; the client id makes a resend harmless.
        for (const [clientMsgId, body] of conv.pending) {
          send({ type: "message", conversation: conv.id, client_msg_id: clientMsgId, body });
        }
        markRead(conv);
        break;
      }
      case "conversation_changed":
      case "status":
        if (frame.status !== "assigned" && state.convs.has(frame.conversation)) {
          dropConversation(frame.conversation, `Conversation #${frame.conversation} is now ${frame.status}.`);
        }
        break;
      case "released":
      case "resolved":
        dropConversation(frame.conversation, `Conversation #${frame.conversation} ${frame.type}.`);
        break;
      case "typing":
        if (frame.conversation === state.active && frame.sender === "customer") {
          $("typing").textContent = frame.is_typing ? "The customer is typing…" : "";
        }
        break;
      case "unread": {
        const conv = state.convs.get(frame.conversation);
        if (conv && frame.conversation !== state.active) {
          conv.unread = Math.max(conv.unread, 1);
          renderTabs();
        }
        break;
      }
      case "presence":
        setPresence(frame.online, frame.reason);
        break;
      case "heartbeat_ack":
        if (frame.online !== state.online) setPresence(frame.online, frame.online ? "" : "heartbeat_lost");
        break;
      case "offer":
        addOffer(frame.offer);
        break;
      case "offer_closed":
        removeOffer(frame.offer);
        break;
      case "draft":
        if (frame.conversation === state.active) fillDraft(frame.draft, frame.source, true);
        break;
      case "error":
        setStatus(`${frame.detail} (${frame.code})`);
        break;
      default:
        break;
    }
  }

  // --- presence ------------------------------------------------------------------------------------

  function setPresence(online, reason) {
    state.online = online;
    const badge = $("presence-status");
    badge.textContent = online ? "online" : "offline";
    badge.className = online ? "badge badge-ok" : "badge";
    $("go-online").hidden = online;
    $("go-offline").hidden = !online;
    if (!online && reason === "heartbeat_lost") setStatus("You were marked offline (connection lost); go online again.");
  }

  $("go-online").addEventListener("click", () => send({ type: "go_online" }));
  $("go-offline").addEventListener("click", () => {
    if (state.convs.size && !confirm("Your live chats will go back to the queue. Go offline?")) return;
    send({ type: "go_offline" });
  });

  // --- queue and offers --------------------------------------------------------------------------------

  function renderQueue(queue) {
    $("queue-total").textContent = queue.counts.total;
    const parts = Object.entries(queue.counts.by_language).map(([lang, n]) => `${lang}: ${n}`);
    const categories = Object.entries(queue.counts.by_category).map(([cat, n]) => `${cat.replace("_", " ")}: ${n}`);
    $("queue-counts").textContent = queue.counts.total
      ? `${parts.join(" · ")} — ${categories.join(" · ")} — longest wait ${minutes(queue.counts.longest_wait_seconds)}`
      : "Nobody is waiting.";
    const list = $("queue-list");
    list.replaceChildren();
    for (const ticket of queue.tickets) {
      const item = el("li", { class: "queue-item", dataset: { ticket: ticket.id } });
      const head = el("div");
      const priorityClass = ticket.priority >= 40 ? "badge badge-urgent" : ticket.priority >= 30 ? "badge badge-warn" : "badge";
      head.append(
        el("span", { class: priorityClass }, ticket.priority_label),
        " ",
        el("strong", {}, ticket.intent ? ticket.intent.replaceAll("_", " ") : ticket.category_label),
        " ",
        el("span", { class: "muted" }, `${ticket.category_label} · ${ticket.language} · waiting ${minutes(ticket.waiting_seconds)}`),
      );
      if (ticket.reopened) head.append(" ", el("span", { class: "badge badge-warn" }, "reopened"));
      if (ticket.sla_breached) head.append(" ", el("span", { class: "badge badge-bad" }, "SLA"));
      item.append(head);
      if (ticket.request) item.append(el("p", { class: "request" }, ticket.request));
      const take = el("button", { class: "btn btn-small", type: "button", "data-testid": "take-ticket" }, "Take");
      take.addEventListener("click", () => send({ type: "take", conversation: ticket.id }));
      item.append(take);
      list.append(item);
    }
  }

  $("take-next").addEventListener("click", () => send({ type: "take_next" }));

  function renderOffers(offers) {
    $("offers").replaceChildren();
    for (const offer of offers) addOffer(offer);
    $("offers-panel").hidden = !offers.length;
  }

  function addOffer(offer) {
    removeOffer(offer.id);
    const item = el("li", { class: "offer", dataset: { offer: offer.id } });
    item.append(
      el("strong", {}, offer.ticket.intent ? offer.ticket.intent.replaceAll("_", " ") : offer.ticket.category_label),
      el("p", { class: "request" }, offer.ticket.request || ""),
    );
    const accept = el("button", { class: "btn btn-small btn-primary", type: "button", "data-testid": "accept-offer" }, "Accept");
    const decline = el("button", { class: "btn btn-small", type: "button" }, "Decline");
    accept.addEventListener("click", () => send({ type: "accept_offer", offer: offer.id }));
    decline.addEventListener("click", () => send({ type: "decline_offer", offer: offer.id }));
    item.append(accept, " ", decline);
    $("offers").append(item);
    $("offers-panel").hidden = false;
  }

  function removeOffer(offerId) {
    const item = document.querySelector(`#offers [data-offer="${offerId}"]`);
    if (item) item.remove();
    $("offers-panel").hidden = !$("offers").children.length;
  }

  // --- conversations --------------------------------------------------------------------------------------

  function addConversation(summary) {
    if (state.convs.has(summary.id)) {
      state.convs.get(summary.id).summary = summary;
    } else {
      state.convs.set(summary.id, {
        id: summary.id, summary, messages: new Map(), lastSeq: 0, unread: 0, pending: new Map(), detail: null,
      });
    }
    renderTabs();
  }

  function dropConversation(id, notice) {
    state.convs.delete(id);
    if (state.active === id) {
      state.active = null;
      const next = state.convs.keys().next();
      if (!next.done) activate(next.value);
      else showConversation(false);
    }
    renderTabs();
    if (notice) setStatus(notice);
  }

  function renderTabs() {
    const tabs = $("conv-tabs");
    tabs.replaceChildren();
    for (const conv of state.convs.values()) {
      const label = conv.summary.customer_name || `#${conv.id}`;
      const tab = el("button", { class: "btn btn-small conv-tab", type: "button", role: "tab", dataset: { conversation: conv.id } }, label);
      if (conv.id === state.active) tab.classList.add("active");
      if (conv.unread) tab.append(el("span", { class: "unread" }, String(conv.unread)));
      tab.addEventListener("click", () => activate(conv.id));
      tabs.append(tab);
    }
    $("no-conversation").hidden = state.convs.size > 0;
  }

  function showConversation(visible) {
    $("conversation").hidden = !visible;
    $("no-conversation").hidden = visible || state.convs.size > 0;
  }

  function activate(id) {
    const conv = state.convs.get(id);
    if (!conv) return;
    state.active = id;
    conv.unread = 0;
    renderTabs();
    showConversation(true);
    $("typing").textContent = "";
    $("draft-reply").value = "";
    $("draft-source").textContent = "";
    renderTranscript(conv);
    markRead(conv);
    loadDetail(conv);
  }

  function addMessage(frame) {
    const conv = state.convs.get(frame.conversation);
    if (!conv || conv.messages.has(frame.seq)) return;
    conv.messages.set(frame.seq, frame);
    conv.lastSeq = Math.max(conv.lastSeq, frame.seq);
    if (frame.client_msg_id) conv.pending.delete(frame.client_msg_id);
    if (conv.id === state.active) {
      appendMessage(frame);
      markRead(conv);
    } else if (frame.sender === "customer") {
      conv.unread += 1;
      renderTabs();
    }
  }

  function renderTranscript(conv) {
    $("transcript").replaceChildren();
    for (const seq of [...conv.messages.keys()].sort((a, b) => a - b)) appendMessage(conv.messages.get(seq));
  }

  function appendMessage(frame) {
    const log = $("transcript");
    const bubble = el("div", { class: `msg msg-${frame.sender}`, dataset: { seq: frame.seq } });
    bubble.append(el("span", { class: "meta" }, `${frame.sender_name || frame.sender} · ${new Date(frame.created_at).toLocaleTimeString()}`));
    bubble.append(document.createTextNode(frame.body));
    // Keep the transcript in seq order even if a resume delivers an older message late.
    const later = [...log.children].find((node) => Number(node.dataset.seq) > frame.seq);
    log.insertBefore(bubble, later || null);
    log.scrollTop = log.scrollHeight;
  }

  function markRead(conv) {
    if (conv.id === state.active && conv.lastSeq > 0) send({ type: "read", conversation: conv.id, seq: conv.lastSeq });
  }

  async function loadDetail(conv) {
    if (!$("draft-reply").value) send({ type: "draft", conversation: conv.id });
    try {
      const response = await fetch(`${root.dataset.apiBase}${conv.id}/`, { credentials: "same-origin" });
      if (!response.ok) return;
      conv.detail = await response.json();
    } catch {
      return;
    }
    if (state.active !== conv.id) return;
    renderSummary(conv.detail.handover_summary || {});
    renderTriage(conv.detail.triage);
    renderKnowledge(conv.detail.knowledge_answers || []);
  }

  function definitionList(target, rows) {
    target.replaceChildren();
    for (const [term, value] of rows) {
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) continue;
      target.append(el("dt", {}, term));
      const text = Array.isArray(value)
        ? value
            .map((v) => {
              if (v && typeof v === "object" && "intent" in v && "score" in v) return `${v.intent} ${Math.round(v.score * 100)}%`;
              return typeof v === "object" ? Object.values(v).join(": ") : v;
            })
            .join(", ")
        : typeof value === "object"
          ? Object.entries(value)
              .filter(([, v]) => !(Array.isArray(v) && !v.length) && v !== false && v !== null)
              .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`)
              .join(" · ")
          : String(value);
      target.append(el("dd", {}, text));
    }
    if (!target.children.length) target.append(el("dd", { class: "muted" }, "Nothing recorded."));
  }

  function renderSummary(summary) {
    definitionList($("handover-summary"), [
      ["Customer wants", summary.request],
      ["Entities", summary.entities],
      ["The bot tried", summary.bot_tried],
      ["Sentiment", summary.sentiment],
    ]);
  }

  function renderTriage(triage) {
    definitionList($("triage-details"), triage ? Object.entries(triage).map(([key, value]) => [key.replaceAll("_", " "), value]) : []);
  }

  function renderKnowledge(answers) {
    const list = $("kb-answers");
    list.replaceChildren();
    for (const answer of answers) {
      const item = el("li", { class: "queue-item" });
      item.append(el("strong", {}, answer.title), el("p", {}, answer.body));
      const insert = el("button", { class: "btn btn-small", type: "button" }, "Insert");
      insert.addEventListener("click", () => {
        const box = $("draft-reply");
        box.value = box.value ? `${box.value}\n\n${answer.body}` : answer.body;
        box.focus();
      });
      item.append(insert);
      list.append(item);
    }
    if (!answers.length) list.append(el("li", { class: "muted" }, "No knowledge-base answer for this intent."));
  }

  function fillDraft(text, source, onlyIfEmpty) {
    const box = $("draft-reply");
    if (onlyIfEmpty && box.value) return;
    box.value = text;
    $("draft-source").textContent =
      source === "offline"
        ? "Suggested from templates and the knowledge base — edit before sending."
        : "AI-drafted — review and edit before sending.";
  }

  $("suggest-draft").addEventListener("click", () => {
    if (state.active !== null) {
      $("draft-reply").value = "";
      send({ type: "draft", conversation: state.active });
    }
  });

  // --- replying, typing, finishing ---------------------------------------------------------------------------

  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const conv = state.convs.get(state.active);
    const body = $("draft-reply").value.trim();
    if (!conv || !body) return;
    const clientMsgId = uid();
    conv.pending.set(clientMsgId, body);
    send({ type: "message", conversation: conv.id, client_msg_id: clientMsgId, body });
    send({ type: "typing", conversation: conv.id, is_typing: false });
    $("draft-reply").value = "";
    $("draft-source").textContent = "";
  });

  $("draft-reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });

  $("draft-reply").addEventListener("input", () => {
    if (state.active === null) return;
    const now = Date.now();
    if (now - state.typingSentAt > TYPING_EVERY_MS) {
      state.typingSentAt = now;
      send({ type: "typing", conversation: state.active, is_typing: true });
    }
    clearTimeout(state.typingTimer);
    const conversation = state.active;
    state.typingTimer = setTimeout(() => {
      state.typingSentAt = 0;
      send({ type: "typing", conversation, is_typing: false });
    }, TYPING_IDLE_MS);
  });

  $("resolve").addEventListener("click", () => {
    if (state.active === null) return;
    send({ type: "resolve", conversation: state.active, resolution_code: $("resolution-code").value });
  });

  $("release").addEventListener("click", () => {
    if (state.active === null) return;
    send({ type: "release", conversation: state.active, note: $("release-note").value });
    $("release-note").value = "";
  });

  connect();
})();
