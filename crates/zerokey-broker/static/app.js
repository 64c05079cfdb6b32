// zerokey broker web UI: copy buttons and uploads with progress. Loaded as an external
// file (the Content-Security-Policy allows no inline script). Everything works by
// progressive enhancement; nothing here touches a credential.
"use strict";

function announce(text) {
  const live = document.querySelector(".copied");
  if (live) live.textContent = text;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "sr-only";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function setupCopy() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await copyText(source.textContent);
        const label = button.textContent;
        button.textContent = "Copied";
        announce("Copied to the clipboard.");
        setTimeout(() => { button.textContent = label; }, 1500);
      } catch (e) {
        announce("Copying failed: select the text and copy it by hand.");
      }
    });
  }
}

function encodeKey(key) {
  return key.split("/").map(encodeURIComponent).join("/");
}

function setupUpload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const csrf = form.querySelector("input[name=csrf]").value;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) { status.textContent = "Choose a file first."; return; }
    const key = (form.dataset.prefix || "") + file.name;
    const url = form.dataset.base + encodeKey(key) + "?connection=" + encodeURIComponent(form.dataset.connection);
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("x-csrf-token", csrf);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading " + file.name + "…";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        const pct = Math.round((e.loaded / e.total) * 100);
        bar.value = pct;
        bar.textContent = pct + "%";
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        bar.value = 100;
        status.textContent = "Uploaded " + key + ".";
        setTimeout(() => window.location.reload(), 400);
        return;
      }
      let message = "HTTP " + xhr.status;
      try { message = JSON.parse(xhr.responseText).error.message; } catch (e) { /* not JSON */ }
      status.textContent = "Upload failed: " + message;
      status.className = "error";
    });
    xhr.addEventListener("error", () => {
      status.textContent = "Upload failed: the connection to the broker was lost.";
      status.className = "error";
    });
    xhr.send(file);
  });
}

// A page that answers a form with an error moves the focus (and the view) to it.
function focusError() {
  const error = document.querySelector("main .error[role=alert]");
  if (!error) return;
  error.setAttribute("tabindex", "-1");
  error.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  focusError();
  setupCopy();
  setupUpload();
});
