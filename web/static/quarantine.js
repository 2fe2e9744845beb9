// intake: the quarantine item page. It opens a sealed original in the
// privacy officer's browser, so that the identity never reaches the
// server:
//
//   1. the officer picks the identity file or pastes it; it is read into
//      this module's memory only (no form holds it, nothing stores it,
//      and the inputs are emptied once it is read);
//   2. the page fetches the age ciphertext (the server audits the fetch),
//      decrypts it here with age-encryption (vendored: ./age/), and
//      reports the outcome, opened or open_failed with a reason code, and
//      nothing else; the original is shown only once the server has
//      recorded the open;
//   3. the original is shown as text: every string of it reaches the page
//      through textContent (never innerHTML), HTML parts as their source;
//   4. a withheld part can be released: the decoded part is sent back, and
//      the server reads it again and joins what it may, masked.
//
// Why a MIME reader of our own rather than a library: every line of
// script on this page could read the identity, so the page carries as
// little as it can: age, and the ~200 lines below. They do not decide
// anything about the mail (the Go scanner does, again, on release); they
// only make it readable, and whatever they cannot read is shown raw: a
// part whose boundary or encoding fails is shown as its bytes, and the
// whole source is one click away. HTML is never parsed. (A module is
// strict already.)

import { Decrypter, forceWebCryptoOff } from "./age/age-encryption.js";

const root = document.getElementById("open-original");
if (root) {
  start(root);
}

function start(root) {
  const item = root.dataset.item;
  const csrf = root.dataset.csrf;
  const fileInput = document.getElementById("identity-file");
  const paste = document.getElementById("identity-paste");
  const openButton = document.getElementById("open-button");
  const closeButton = document.getElementById("close-button");
  const status = document.getElementById("open-status");
  const out = document.getElementById("original");
  const withheld = Array.from(document.querySelectorAll("[data-withheld-where]"), (el) => ({
    where: el.dataset.withheldWhere, type: el.dataset.withheldType, el,
  }));
  const findings = Array.from(document.querySelectorAll("[data-finding-last4]"), (el) => ({
    type: el.dataset.findingType, last4: el.dataset.findingLast4, where: el.dataset.findingWhere,
  }));

  // WebCrypto is there only in a secure context (HTTPS, or localhost);
  // elsewhere the library's own X25519 does the work.
  if (!window.isSecureContext || !window.crypto || !window.crypto.subtle) {
    forceWebCryptoOff(true);
  }

  function say(text, kind) {
    status.hidden = false;
    status.className = "notice notice-" + kind;
    status.textContent = text;
  }

  async function post(path, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf", csrf);
    return fetch(path, { method: "POST", body, credentials: "same-origin", cache: "no-store" });
  }

  async function report(opened, reason) {
    const res = await post("/quarantine/" + item + "/opened", opened ? { outcome: "opened" } : { outcome: "failed", reason });
    return res.status === 204;
  }

  openButton.addEventListener("click", async () => {
    openButton.disabled = true;
    try {
      await open();
    } finally {
      openButton.disabled = false;
    }
  });

  closeButton.addEventListener("click", () => {
    out.replaceChildren();
    out.hidden = true;
    closeButton.hidden = true;
    say("The original is closed.", "info");
  });

  async function open() {
    let text = paste.value;
    if (fileInput.files && fileInput.files.length > 0) {
      text = await fileInput.files[0].text();
    }
    // Read, then forget where it came from.
    fileInput.value = "";
    paste.value = "";
    const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith("AGE-SECRET-KEY-"));
    text = "";
    if (keys.length === 0) {
      say("No identity there: pick the identity file, or paste its line AGE-SECRET-KEY-1…", "problem");
      return;
    }
    say("Fetching the sealed original…", "info");
    const res = await fetch("/quarantine/" + item + "/sealed", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) {
      say("The sealed original could not be fetched (" + res.status + " " + res.statusText + ").", "problem");
      return;
    }
    const sealed = new Uint8Array(await res.arrayBuffer());
    let plain;
    try {
      const d = new Decrypter();
      for (const k of keys) {
        try {
          d.addIdentity(k);
        } catch (e) {
          await report(false, "identity_unreadable");
          say("That identity could not be read: " + e.message + ". The failed open is recorded.", "problem");
          return;
        }
      }
      plain = await d.decrypt(sealed, "uint8array");
    } catch (e) {
      const reason = /no identity matched/i.test(String(e && e.message)) ? "no_identity_matched" : "decrypt_failed";
      await report(false, reason);
      say(reason === "no_identity_matched"
        ? "This identity does not open this item: it was sealed to another key. The failed open is recorded."
        : "The sealed original could not be decrypted (" + e.message + "). The failed open is recorded.", "problem");
      return;
    } finally {
      keys.length = 0;
    }
    // No look without its record.
    if (!(await report(true, ""))) {
      plain = null;
      say("Opened, but the server could not record the open, so it is not shown. Try again.", "problem");
      return;
    }
    show(parseMessage(plain, 0));
    say("Opened. Numbers the scanner found are marked. Close the original when you are done.", "done");
    closeButton.hidden = false;
  }

  // show renders a parsed message into #original, as text only.
  function show(msg) {
    out.replaceChildren();
    const h2 = el("h2", "The original");
    out.append(h2, headerList(msg.headers));
    const leaves = [];
    collect(msg, leaves);
    for (const leaf of leaves) {
      out.append(partCard(leaf));
    }
    const src = el("details", null, "raw");
    src.append(el("summary", "The whole message as it arrived (source)"));
    const pre = el("pre", null, "msg-text source");
    pre.append(...marked(decodeText(msg.raw, "utf-8").text, findings));
    src.append(pre);
    out.append(src);
    out.hidden = false;
  }

  function headerList(headers) {
    const dl = el("dl", null, "facts original-headers");
    for (const [name, value] of headers) {
      if (!/^(from|to|cc|reply-to|subject|date|message-id)$/i.test(name)) {
        continue;
      }
      const dd = el("dd");
      dd.append(...marked(decodeWords(value), findings));
      dl.append(el("dt", name), dd);
    }
    return dl;
  }

  // partCard is one part: its place, type and size, the scanner's
  // findings in it, its text (or that it is binary), and, when staff
  // cannot see it, the release.
  function partCard(leaf) {
    const card = el("section", null, "card part");
    card.dataset.where = leaf.where;
    const head = el("h3");
    head.append(el("span", leaf.where === "body" ? "Message text" : "Attachment " + (leaf.filename || "(no name)")));
    head.append(el("span", " · " + leaf.type + " · " + leaf.data.length + " bytes", "muted"));
    card.append(head);
    for (const f of findings.filter((f) => f.where === leaf.where)) {
      card.append(el("p", "The scanner found a " + (f.type === "ssn" ? "Social Security number or ITIN" : "payment card number") +
        " ending " + f.last4 + " here.", "finding-note"));
    }
    let text = null;
    if (leaf.textual) {
      const d = decodeText(leaf.data, leaf.charset);
      text = d.text;
      if (d.note) {
        card.append(el("p", d.note, "hint"));
      }
      const pre = el("pre", null, "msg-text");
      pre.append(...marked(text, findings));
      card.append(pre);
      if (leaf.html) {
        card.append(el("p", "An HTML part, shown as its source: nothing of it is rendered.", "hint"));
      }
    } else {
      card.append(el("p", "A binary file: not shown here. Releasing it sends it to the server to be read again.", "hint"));
    }
    const held = withheld.find((w) => sameWhere(w.where, leaf.where) && (w.where !== "body" || sameType(w.type, leaf.type)));
    if (held) {
      const row = el("p", null, "row-form");
      const button = el("button", "Release to the ticket", "primary");
      button.type = "button";
      button.dataset.release = held.where;
      const result = el("p", null, "notice");
      result.hidden = true;
      result.setAttribute("role", "status");
      button.addEventListener("click", () => release(leaf, text, button, result, held));
      row.append(el("span", "Withheld from staff. ", "badge badge-withheld"), button);
      card.append(row, result);
    }
    return card;
  }

  async function release(leaf, text, button, result, held) {
    button.disabled = true;
    let bytes = leaf.data;
    let type = leaf.type;
    if (text !== null) {
      // Text goes back as this page decoded and showed it, in UTF-8.
      bytes = new TextEncoder().encode(text);
      type = (leaf.html ? "text/html" : leaf.type.startsWith("text/") ? leaf.type : "text/plain") + "; charset=utf-8";
    }
    const res = await post("/quarantine/" + item + "/release", {
      where: held.where, filename: leaf.filename, content_type: type, content: base64(bytes),
    });
    let answer = {};
    try {
      answer = await res.json();
    } catch (e) {
      answer = { error: { message: res.status + " " + res.statusText } };
    }
    result.hidden = false;
    if (res.ok) {
      result.className = "notice notice-done";
      const n = answer.findings ? answer.findings.length : 0;
      result.textContent = "Released to " + answer.ref + ": staff now see it" + (n > 0 ? ", with " + n + " number" + (n > 1 ? "s" : "") + " masked" : "") +
        (answer.files > 0 ? ", and can download the file" : "") + ".";
      for (const badge of [held.el.querySelector(".badge"), button.parentElement.querySelector(".badge")]) {
        badge.textContent = "released";
        badge.className = "badge badge-released";
      }
      button.remove();
    } else {
      result.className = "notice notice-problem";
      result.textContent = (answer.error && answer.error.message) || "The release was refused.";
      button.disabled = false;
    }
  }
}

// ---- reading MIME, as text ----

// A message is handled as a "byte string" (one char per byte, so that
// offsets are byte offsets); parts are turned into text only at the end,
// in their own charset.
function byteString(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return s;
}

function bytesOf(s) {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    b[i] = s.charCodeAt(i) & 0xff;
  }
  return b;
}

const maxDepth = 20;

// parseMessage reads one entity: its header and, for a multipart, its
// parts; anything malformed is kept as one raw part.
function parseMessage(bytes, depth) {
  const s = typeof bytes === "string" ? bytes : byteString(bytes);
  const m = /\r?\n\r?\n/.exec(s);
  const head = m ? s.slice(0, m.index) : s;
  const body = m ? s.slice(m.index + m[0].length) : "";
  const headers = [];
  for (const line of head.replace(/\r?\n[ \t]/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) {
      headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  const get = (n) => (headers.find(([k]) => k.toLowerCase() === n) || [, ""])[1];
  const ct = params(get("content-type") || "text/plain");
  const cd = params(get("content-disposition"));
  const entity = { raw: bytesOf(s), headers, type: ct.value.toLowerCase() || "text/plain", ct, cd, parts: [], body };
  if (entity.type.startsWith("multipart/") && ct.params.boundary && depth < maxDepth) {
    for (const p of splitParts(body, ct.params.boundary)) {
      entity.parts.push(parseMessage(p, depth + 1));
    }
  }
  entity.data = entity.parts.length > 0 ? new Uint8Array(0) : bytesOf(decodeTransfer(body, get("content-transfer-encoding")));
  return entity;
}

// splitParts cuts a multipart body at its boundary lines (RFC 2046
// 5.1.1); the preamble and epilogue are dropped.
function splitParts(body, boundary) {
  const lines = body.split(/\n/);
  const parts = [];
  let cur = null;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, "");
    if (line === "--" + boundary || line.startsWith("--" + boundary + " ") || line.startsWith("--" + boundary + "\t")) {
      if (cur !== null) {
        parts.push(cur.join("\n"));
      }
      cur = [];
      continue;
    }
    if (line.startsWith("--" + boundary + "--")) {
      break;
    }
    if (cur !== null) {
      cur.push(raw);
    }
  }
  if (cur !== null && cur.length > 0) {
    parts.push(cur.join("\n"));
  }
  // The line break before a boundary belongs to the boundary.
  return parts.map((p) => p.replace(/\r$/, ""));
}

// params reads "value; a=b; c*=utf-8''x%20y; d*0=..." (RFC 2045, 2231).
function params(v) {
  const out = { value: "", params: {} };
  if (!v) {
    return out;
  }
  const re = /;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  out.value = v.split(";")[0].trim();
  const pieces = {};
  let m;
  while ((m = re.exec(v)) !== null) {
    let key = m[1].toLowerCase();
    let val = m[2].trim();
    if (val.startsWith('"')) {
      val = val.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    const c = /^(.*?)\*(\d+)?(\*)?$/.exec(key);
    if (c) {
      key = c[1];
      (pieces[key] = pieces[key] || []).push({ n: Number(c[2] || 0), val, enc: c[3] === "*" || (c[2] === undefined) });
    } else {
      out.params[key] = decodeWords(val);
    }
  }
  for (const [key, list] of Object.entries(pieces)) {
    list.sort((a, b) => a.n - b.n);
    let charset = "utf-8";
    let bytes = "";
    for (const p of list) {
      let val = p.val;
      if (p.enc) {
        if (p.n === 0) {
          const q = /^([^']*)'[^']*'(.*)$/.exec(val);
          if (q) {
            charset = q[1] || charset;
            val = q[2];
          }
        }
        val = val.replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      }
      bytes += val;
    }
    out.params[key] = decodeText(bytesOf(bytes), charset).text;
  }
  return out;
}

function decodeTransfer(body, cte) {
  switch ((cte || "").trim().toLowerCase()) {
    case "base64":
      try {
        return atob(body.replace(/[^A-Za-z0-9+/]/g, ""));
      } catch (e) {
        return body; // broken: shown as it is
      }
    case "quoted-printable":
      return body.replace(/=\r?\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  return body;
}

// decodeText turns bytes into text in charset; a charset this browser
// does not know is read as UTF-8, and said so.
function decodeText(bytes, charset) {
  const label = (charset || "utf-8").trim().toLowerCase();
  try {
    return { text: new TextDecoder(label).decode(bytes), note: "" };
  } catch (e) {
    return { text: new TextDecoder("utf-8").decode(bytes), note: "Its charset " + label + " is unknown to this browser: shown as UTF-8, with � where bytes do not fit." };
  }
}

// decodeWords decodes RFC 2047 encoded words in a header value (the
// value itself may be raw UTF-8).
function decodeWords(v) {
  const text = decodeText(bytesOf(v), "utf-8").text;
  return text.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=(\s+(?==\?))?/g, (all, cs, enc, data) => {
    let bytes;
    if (enc.toLowerCase() === "b") {
      try {
        bytes = atob(data);
      } catch (e) {
        return all;
      }
    } else {
      bytes = data.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    }
    return decodeText(bytesOf(bytes), cs.split("*")[0]).text;
  });
}

// collect lists the parts a person reads, each with the place the
// scanner gives it: the top-level text is "body", anything attached
// (named, marked attachment, or not text) "attachment:NAME". A
// forwarded message is one part.
function collect(e, out) {
  if (e.parts.length > 0) {
    for (const p of e.parts) {
      collect(p, out);
    }
    return;
  }
  const filename = e.cd.params.filename || e.ct.params.name || "";
  const textual = e.type.startsWith("text/") || e.type === "message/rfc822";
  const attached = e.cd.value.toLowerCase() === "attachment" || filename !== "" || !e.type.startsWith("text/");
  out.push({
    where: attached ? "attachment:" + (filename || "unnamed") : "body",
    filename, type: e.type, textual, html: e.type === "text/html",
    charset: e.ct.params.charset || "utf-8", data: e.data,
  });
}

// sameWhere: the ticket names a part as the scanner does, with any
// number in a file name masked ("attachment:ssn-***-**-6789.pdf"), and a
// mask stands for digits here.
function sameWhere(stored, candidate) {
  if (stored === candidate) {
    return true;
  }
  if (!stored.includes("*")) {
    return false;
  }
  const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp("^" + stored.split(/\*[*\s.-]*/).map(esc).join("[\\d\\s.-]+") + "$").test(candidate);
}

function sameType(a, b) {
  return (a || "").toLowerCase() === (b || "").toLowerCase();
}

// marked returns text as nodes, with each run of digits the scanner
// reported (same kind, same last four) inside a <mark>. Text only.
function marked(text, findings) {
  const nodes = [];
  const re = /\d(?:[ .-]?\d){8,18}/g;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    const digits = m[0].replace(/\D/g, "");
    const hit = findings.some((f) => digits.endsWith(f.last4) &&
      (f.type === "ssn" ? digits.length === 9 : digits.length >= 13));
    if (!hit) {
      continue;
    }
    nodes.push(document.createTextNode(text.slice(last, m.index)));
    const mk = document.createElement("mark");
    mk.textContent = m[0];
    nodes.push(mk);
    last = m.index + m[0].length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

function base64(bytes) {
  return btoa(byteString(bytes));
}

// el makes an element with text (as textContent) and a class.
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) {
    e.textContent = text;
  }
  if (cls) {
    e.className = cls;
  }
  return e;
}
