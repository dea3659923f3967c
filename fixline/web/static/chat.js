// Fixline web chat: one JSON object per WebSocket frame (docs/web-chat.md).
(() => {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  let ws = null;
  let typing = null;
  let retry = 500;
  // Sent but not yet answered: resent with the same id after a reconnect, and the
  // server's inbox ignores any that did arrive, so nothing is lost or doubled.
  const pending = new Map();
  const CHANNELS = { telegram: "Telegram", sms: "SMS", whatsapp: "WhatsApp", terminal: "terminal" };

  function scroll() { log.scrollTop = log.scrollHeight; }

  function stopTyping() { if (typing) { typing.remove(); typing = null; } }

  function bubble(direction, text, buttons, link, file) {
    stopTyping();
    const div = document.createElement("div");
    div.className = "msg " + direction;
    div.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link; a.target = "_blank"; a.rel = "noopener"; a.textContent = "Open link";
      div.append("\n", a);
    }
    if (file && file.data) {
      const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([bytes], { type: file.mime }));
      a.download = file.name; a.textContent = "Download " + file.name;
      div.append("\n", a);
    }
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b.label; btn.dataset.action = b.action;
        btn.addEventListener("click", () => press(b, row));
        row.append(btn);
      }
      div.append(row);
    }
    log.append(div);
    scroll();
    return div;
  }

  function note(text) { bubble("note", text); }

  function send(frame) {
    frame.id = frame.id || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    pending.set(frame.id, frame);
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function press(button, row) {
    for (const b of row.querySelectorAll("button")) b.disabled = true;
    bubble("in", button.label);
    send({ type: "button", action: button.action, label: button.label });
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    bubble("in", text);
    send({ type: "message", text });
    input.value = "";
    input.style.height = "";
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", () => { input.style.height = ""; input.style.height = input.scrollHeight + "px"; });

  // Photos and voice notes go over HTTP with the session cookie; the answer comes back
  // on the socket once the photo is read or the recording transcribed.
  function upload(blob, name, label) {
    const div = bubble("in", label);
    const progress = document.createElement("div");
    progress.className = "progress";
    div.append(progress);
    const body = new FormData();
    body.append("file", blob, name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/chat/files");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progress.textContent = "uploading " + Math.round(100 * e.loaded / e.total) + "%";
    };
    xhr.onload = () => {
      if (xhr.status === 200) { progress.textContent = "sent"; return; }
      let error = "The upload failed. Please try again.";
      try { error = JSON.parse(xhr.responseText).error || error; } catch (_) {}
      progress.textContent = "not sent";
      note(error);
    };
    xhr.onerror = () => { progress.textContent = "not sent"; note("The upload failed: check your connection and try again."); };
    xhr.send(body);
  }

  document.getElementById("photo").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) upload(file, file.name || "photo.jpg", "Photo");
    e.target.value = "";
  });

  let recorder = null;
  const recordButton = document.getElementById("record");
  recordButton.addEventListener("click", async () => {
    if (recorder) { recorder.stop(); return; }
    if (!navigator.mediaDevices || !window.MediaRecorder) { note("Voice recording is not available in this browser."); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        recordButton.classList.remove("recording");
        recorder = null;
        upload(new Blob(chunks, { type: chunks[0] ? chunks[0].type : "audio/webm" }), "voice.webm", "Voice message");
      };
      recorder.start();
      recordButton.classList.add("recording");
    } catch (_) {
      note("I couldn't use the microphone. You can type instead.");
    }
  });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws/chat");
    ws.onopen = () => {
      status.textContent = "online"; retry = 500;
      for (const frame of pending.values()) ws.send(JSON.stringify(frame));
    };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "history") {
        log.replaceChildren();
        const last = frame.messages.length - 1;
        frame.messages.forEach((m, i) => {
          const div = bubble(m.direction, m.text, i === last ? m.buttons : [], m.link);
          div.dataset.at = m.at;
          // After /link the transcript holds other channels' messages: say where each was.
          if (m.channel && m.channel !== "web" && CHANNELS[m.channel]) {
            const via = document.createElement("small");
            via.className = "via"; via.textContent = "via " + CHANNELS[m.channel];
            div.append(via);
          }
        });
        if (!frame.messages.length) send({ type: "button", action: "/start" });
      } else if (frame.type === "message") {
        pending.clear();
        bubble("out", frame.text, frame.buttons, frame.link, frame.file);
      } else if (frame.type === "typing") {
        if (!typing) { typing = document.createElement("div"); typing.className = "typing"; typing.textContent = "Fixline is typing…"; log.append(typing); scroll(); }
      } else if (frame.type === "error") {
        pending.clear();
        note(frame.error);
      }
    };
    ws.onclose = () => {
      status.textContent = "reconnecting…"; stopTyping();
      setTimeout(connect, retry); retry = Math.min(retry * 2, 10000);
    };
  }
  connect();
})();
