// The customer chat page: start a conversation, then talk over the chat socket (docs/chat-protocol.md).
//
// The browser keeps the signed conversation token, the last sequence number it has shown and any
// messages not yet acknowledged in localStorage, so a reload or a dropped network resumes the same
// conversation with nothing lost and nothing shown twice.
(function () {
  "use strict";

  var STORE_KEY = "kg-chat";
  // The transcript is kept in the browser too, so a reload shows it at once and resumes after lastSeq.
  var MAX_KEPT_MESSAGES = 1000;
  var PING_MS = 25000;
  var TYPING_EVERY_MS = 3000;
  var TYPING_IDLE_MS = 4000;
  var MAX_BACKOFF_MS = 30000;
  var GONE_CODES = { 4401: true, 4403: true };
  var FINAL_MESSAGE_ERRORS = {
    message_too_long: true, message_rejected: true, conversation_closed: true, invalid_frame: true,
    not_your_ticket: true, forbidden: true
  };

  var page = document.getElementById("chat-page");
  if (!page) return;
  var el = function (id) { return document.getElementById(id); };
  var log = el("chat-log");
  var input = el("chat-input");
  var state = load();
  var socket = null;
  var ready = false;
  var attempt = 0;
  var reconnectTimer = null;
  var pingTimer = null;
  var typingSentAt = 0;
  var typingStopTimer = null;
  var typingHideTimer = null;
  var readSent = 0;
  var current = null; // the latest status frame
  var shownSeq = 0; // the newest message on screen; a reconnect resumes after it
  var csatScore = 0;

  // --- storage ----------------------------------------------------------------------------

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY));
      return saved && saved.publicId && saved.token ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function save() {
    if (state) window.localStorage.setItem(STORE_KEY, JSON.stringify(state));
  }

  function forget() {
    window.localStorage.removeItem(STORE_KEY);
    state = null;
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- starting ---------------------------------------------------------------------------

  function showStage(stage) {
    page.dataset.stage = stage;
    if (stage === "chat") input.focus();
  }

  function start(wantHuman) {
    var button = el("start-button");
    button.disabled = true;
    el("start-error").textContent = "";
    var body = {
      customer_name: el("start-name").value.trim(),
      customer_email: el("start-email").value.trim(),
      language: el("start-language").value
    };
    return fetch(page.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "omit",
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(startErrorText(response.status, data));
        state = {
          publicId: data.public_id, token: data.token, lastSeq: 0, messages: [], pending: [], wantHuman: !!wantHuman
        };
        save();
        log.textContent = "";
        shownSeq = 0;
        readSent = 0;
        showStage("chat");
        connect();
      });
    }).catch(function (error) {
      el("start-error").textContent = error.message || "We could not start the chat. Please try again.";
    }).then(function () {
      button.disabled = false;
    });
  }

  function startErrorText(status, data) {
    if (status === 429) return "Too many new chats from your network. Please wait a minute and try again.";
    if (data && data.customer_email) return "Please check your e-mail address, or leave it empty.";
    return (data && data.detail) || "We could not start the chat. Please try again.";
  }

  // --- the socket -------------------------------------------------------------------------

  function setConnection(text, stateName) {
    var node = el("connection");
    node.textContent = text;
    node.dataset.state = stateName;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (!state) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + "/ws/chat/" + state.publicId + "/?token=" + encodeURIComponent(state.token);
    setConnection("Connecting…", "connecting");
    var ws = new WebSocket(url);
    socket = ws;
    ws.onopen = function () {
      setConnection("Connected", "open");
      send({ type: "hello", last_seq: shownSeq });
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame);
    };
    ws.onclose = function (event) {
      if (socket !== ws) return; // an old socket we replaced on purpose
      ready = false;
      clearInterval(pingTimer);
      if (GONE_CODES[event.code]) {
        forget();
        showStage("start");
        el("start-error").textContent = "That conversation can no longer be opened. Start a new one below.";
        return;
      }
      var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      setConnection("Offline — reconnecting in " + Math.ceil(delay / 1000) + " s", "offline");
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function flushPending() {
    if (!ready) return;
    state.pending.forEach(function (item) {
      if (!item.retryAt || item.retryAt <= Date.now()) {
        send({ type: "message", client_msg_id: item.id, body: item.body });
      }
    });
    if (state.wantHuman && send({ type: "human" })) {
      state.wantHuman = false;
      save();
    }
  }

  // --- frames from the server -------------------------------------------------------------

  function handle(frame) {
    switch (frame.type) {
      case "message": return onMessage(frame);
      case "ack": return onAck(frame);
      case "ready": return onReady(frame);
      case "status": return onStatus(frame);
      case "typing": return onTyping(frame);
      case "read": return onRead(frame);
      case "bot_question": el("bot-question").hidden = false; return;
      case "csat_request": el("csat").hidden = !!(current && current.can_rate === false); return;
      case "csat_thanks": el("csat").hidden = true; el("csat-thanks").hidden = false; return;
      case "error": return onError(frame);
      default: return;
    }
  }

  function onReady(frame) {
    ready = true;
    attempt = 0;
    flushPending();
    sendRead();
    clearInterval(pingTimer);
    pingTimer = setInterval(function () { send({ type: "ping" }); }, PING_MS);
  }

  function keep(message) {
    if (message.seq > shownSeq) shownSeq = message.seq;
    if (state.overflow) return;
    if (state.messages.length >= MAX_KEPT_MESSAGES) {
      // Too long to keep a copy: the next page load fetches the whole transcript again.
      state.overflow = true;
      state.messages = [];
      state.lastSeq = 0;
    } else {
      state.messages.push(message);
      state.lastSeq = Math.max(state.lastSeq, message.seq);
    }
    save();
  }

  function onMessage(message) {
    var sameSeq = log.querySelector('.msg[data-seq="' + message.seq + '"]');
    if (sameSeq && message.seq <= shownSeq) return; // already shown and kept
    if (sameSeq) sameSeq.remove(); // our acknowledged bubble: the stored message replaces it
    if (message.sender === "customer" && message.client_msg_id) {
      var mine = log.querySelector('.msg[data-client-id="' + cssEscape(message.client_msg_id) + '"]');
      if (mine) mine.remove();
      dropPending(message.client_msg_id);
      el("bot-question").hidden = true;
    }
    insertInOrder(renderMessage(message));
    keep(message);
    if (message.sender !== "customer") {
      el("typing").textContent = "";
      sendRead();
    }
  }

  function onAck(ack) {
    dropPending(ack.client_msg_id);
    var bubble = log.querySelector('.msg[data-client-id="' + cssEscape(ack.client_msg_id) + '"]');
    if (bubble && !log.querySelector('.msg[data-seq="' + ack.seq + '"]')) {
      bubble.classList.remove("pending");
      bubble.dataset.seq = ack.seq;
      insertInOrder(bubble);
    } else if (bubble) {
      bubble.remove();
    }
  }

  function dropPending(clientId) {
    if (!state) return;
    var before = state.pending.length;
    state.pending = state.pending.filter(function (item) { return item.id !== clientId; });
    if (state.pending.length !== before) save();
  }

  function onStatus(status) {
    current = status;
    var text = statusText(status);
    el("queue-status").textContent = text;
    el("queue-status").dataset.status = status.status;
    var agent = el("agent-name");
    agent.hidden = !status.agent_name;
    agent.textContent = status.agent_name ? "Agent: " + status.agent_name : "";
    el("bot-question").hidden = !status.awaiting_bot_feedback;
    el("csat").hidden = !status.can_rate;
    var closed = status.status === "closed";
    el("new-conversation").hidden = !closed;
    input.disabled = closed;
    el("chat-send").disabled = closed;
    var human = el("talk-to-human");
    var withHuman = ["queued", "assigned", "reopened"].indexOf(status.status) !== -1;
    human.disabled = withHuman;
    human.textContent = withHuman ? "A person is on the way" : "Talk to a human";
    if (status.status === "assigned" || status.status === "queued") el("bot-question").hidden = true;
  }

  function minutes(seconds) {
    var m = Math.max(1, Math.round(seconds / 60));
    return m === 1 ? "about 1 minute" : "about " + m + " minutes";
  }

  function statusText(s) {
    switch (s.status) {
      case "bot":
        return "You're chatting with our assistant. Press “Talk to a human” at any time.";
      case "queued":
      case "reopened":
        if (s.agents_online === 0) {
          return "No agents are online right now. You keep your place in the queue (number " + s.queue_position +
            ") and we'll connect you as soon as someone is available.";
        }
        if (s.estimated_wait_seconds === 0) {
          return "You're number " + s.queue_position + " in the queue — an agent should join any moment.";
        }
        return "You're number " + s.queue_position + " in the queue. Estimated wait: " +
          minutes(s.estimated_wait_seconds) + ".";
      case "assigned":
        return "You're chatting with " + (s.agent_name || "an agent") + ".";
      case "resolved":
        return "Your case was marked as resolved. Write again if you need more help.";
      case "bot_resolved":
        return "Glad we could help! Write again if anything else comes up.";
      case "abandoned":
        return "We lost you for a while. Write a message to get back in the queue.";
      case "closed":
        return "This conversation is closed.";
      default:
        return s.status_label || "";
    }
  }

  function onTyping(frame) {
    if (frame.sender === "customer") return;
    clearTimeout(typingHideTimer);
    el("typing").textContent = frame.is_typing ? (frame.sender_name || "The agent") + " is typing…" : "";
    if (frame.is_typing) typingHideTimer = setTimeout(function () { el("typing").textContent = ""; }, 8000);
  }

  function onRead(frame) {
    if (frame.sender === "customer") return;
    log.querySelectorAll(".msg-customer[data-seq]").forEach(function (node) {
      if (Number(node.dataset.seq) <= frame.seq && !node.querySelector(".receipt")) {
        var receipt = document.createElement("span");
        receipt.className = "receipt";
        receipt.textContent = "Seen";
        node.appendChild(receipt);
      }
    });
  }

  function onError(error) {
    var text = error.detail || "Something went wrong.";
    if (error.client_msg_id) {
      if (error.code === "rate_limited") {
        var wait = (error.retry_after || 5) * 1000;
        state.pending.forEach(function (item) {
          if (item.id === error.client_msg_id) item.retryAt = Date.now() + wait;
        });
        save();
        setTimeout(flushPending, wait + 50);
        text = "You're sending messages very fast; we'll send the rest in a moment.";
      } else if (FINAL_MESSAGE_ERRORS[error.code]) {
        dropPending(error.client_msg_id);
        var bubble = log.querySelector('.msg[data-client-id="' + cssEscape(error.client_msg_id) + '"]');
        if (bubble) { bubble.classList.remove("pending"); bubble.classList.add("failed"); }
      }
    }
    if (error.code === "csat_already_given") { el("csat").hidden = true; }
    el("chat-error").textContent = text;
    setTimeout(function () { if (el("chat-error").textContent === text) el("chat-error").textContent = ""; }, 8000);
  }

  // --- rendering --------------------------------------------------------------------------

  function cssEscape(value) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
  }

  function renderMessage(message) {
    var node = document.createElement("div");
    node.className = "msg msg-" + message.sender;
    node.dataset.testid = "message";
    if (message.seq) node.dataset.seq = message.seq;
    if (message.client_msg_id) node.dataset.clientId = message.client_msg_id;
    var meta = document.createElement("span");
    meta.className = "meta";
    var when = message.created_at ? new Date(message.created_at) : new Date();
    var name = message.sender === "customer" ? "You" : message.sender_name;
    meta.textContent = name + " · " + when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    node.appendChild(meta);
    node.appendChild(document.createTextNode(message.body));
    return node;
  }

  function insertInOrder(node) {
    var seq = Number(node.dataset.seq || 0);
    if (seq) {
      var after = Array.prototype.find.call(log.querySelectorAll(".msg[data-seq]"), function (other) {
        return other !== node && Number(other.dataset.seq) > seq;
      });
      var firstPending = log.querySelector(".msg.pending");
      log.insertBefore(node, after || firstPending || null);
    } else {
      log.appendChild(node);
    }
    log.scrollTop = log.scrollHeight;
  }

  // --- what the customer does -------------------------------------------------------------

  function sendMessage(body) {
    var item = { id: newClientId(), body: body };
    state.pending.push(item);
    save();
    var bubble = renderMessage({ sender: "customer", body: body, client_msg_id: item.id });
    bubble.classList.add("pending");
    insertInOrder(bubble);
    if (ready) send({ type: "message", client_msg_id: item.id, body: body });
    stopTyping();
  }

  function sendRead() {
    if (!ready || !state || document.visibilityState !== "visible" || shownSeq <= readSent) return;
    readSent = shownSeq;
    send({ type: "read", seq: shownSeq });
  }

  function onInputTyping() {
    if (!ready) return;
    var now = Date.now();
    if (now - typingSentAt > TYPING_EVERY_MS) {
      typingSentAt = now;
      send({ type: "typing", is_typing: true });
    }
    clearTimeout(typingStopTimer);
    typingStopTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingStopTimer);
    if (typingSentAt) {
      typingSentAt = 0;
      send({ type: "typing", is_typing: false });
    }
  }

  function askForHuman() {
    if (!state || (current && current.status === "closed")) {
      // No conversation yet (or it is over): start one that goes straight to a person.
      forget();
      showStage("start");
      return start(true);
    }
    state.wantHuman = true;
    save();
    flushPending();
  }

  function setStars(score) {
    csatScore = score;
    el("csat-stars").querySelectorAll("button").forEach(function (button) {
      var on = Number(button.dataset.score) <= score;
      button.classList.toggle("on", on);
      button.setAttribute("aria-checked", Number(button.dataset.score) === score ? "true" : "false");
    });
    el("csat-submit").disabled = score < 1;
  }

  el("start-form").addEventListener("submit", function (event) {
    event.preventDefault();
    start(false);
  });
  el("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body || !state) return;
    input.value = "";
    sendMessage(body);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      el("chat-form").requestSubmit();
    }
  });
  input.addEventListener("input", onInputTyping);
  el("talk-to-human").addEventListener("click", askForHuman);
  el("bot-yes").addEventListener("click", function () {
    if (send({ type: "bot_feedback", solved: true })) el("bot-question").hidden = true;
  });
  el("bot-no").addEventListener("click", function () {
    if (send({ type: "bot_feedback", solved: false })) el("bot-question").hidden = true;
  });
  el("csat-stars").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-score]");
    if (button) setStars(Number(button.dataset.score));
  });
  el("csat-submit").addEventListener("click", function () {
    if (csatScore < 1) return;
    send({ type: "csat", score: csatScore, comment: el("csat-comment").value.trim() });
  });
  el("new-conversation").addEventListener("click", function (event) {
    event.preventDefault();
    var old = socket;
    socket = null;
    if (old) old.close();
    clearInterval(pingTimer);
    forget();
    log.textContent = "";
    current = null;
    showStage("start");
  });
  document.addEventListener("visibilitychange", sendRead);
  window.addEventListener("online", function () {
    if (!socket || socket.readyState === WebSocket.CLOSED) { attempt = 0; connect(); }
  });

  function restore() {
    state.messages = Array.isArray(state.messages) ? state.messages : [];
    state.pending = Array.isArray(state.pending) ? state.pending : [];
    state.messages.forEach(function (message) { insertInOrder(renderMessage(message)); });
    // Only what is on screen counts as seen; anything else comes again with the resume.
    state.lastSeq = state.messages.reduce(function (max, m) { return Math.max(max, m.seq); }, 0);
    shownSeq = state.lastSeq;
    state.pending.forEach(function (item) {
      var bubble = renderMessage({ sender: "customer", body: item.body, client_msg_id: item.id });
      bubble.classList.add("pending");
      insertInOrder(bubble);
    });
  }

  if (state) {
    restore();
    showStage("chat");
    log.scrollTop = log.scrollHeight; // restored while hidden, where scrolling has no effect
    connect();
  } else {
    showStage("start");
  }
})();
