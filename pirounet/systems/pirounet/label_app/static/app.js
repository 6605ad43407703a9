// PirouNet labeling page: draws one block as a looping, rotatable stick figure on a canvas
// and saves its labels through the server's JSON API (see server.py for the routes).
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = { L: "#2b6cb0", R: "#c53030", "": "#333" }; // left, right, midline segments
const DEFAULT_VIEW = { yaw: 0.6, pitch: 0.25 }; // radians about +z, and camera elevation

const ui = {
  app: null, // /api/state
  index: 0, // current block
  block: null, // /api/block/<index>
  cache: new Map(), // block index -> Promise of /api/block/<index>
  choice: {}, // field name -> chosen value, not yet saved
  accepted: false, // the Time choice is the meter's suggestion, accepted with A
  keyMap: new Map(), // shortcut ("1", "q", "shift+1") -> [field name, value]
  view: { ...DEFAULT_VIEW },
  frame: 0, // fractional frame within the block
  lastTime: null,
  saving: false,
};

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function fetchBlock(i) {
  if (!ui.cache.has(i)) {
    const request = api(`/api/block/${i}`);
    request.catch(() => ui.cache.delete(i)); // let a later visit retry a failed fetch
    ui.cache.set(i, request);
  }
  return ui.cache.get(i);
}

function keyLabel(key) {
  return `<kbd>${key.replace("shift+", "⇧")}</kbd>`;
}

function unitTitle() {
  const unit = ui.app.unit;
  return unit[0].toUpperCase() + unit.slice(1);
}

// ---------------------------------------------------------------------------- page set-up

function buildFields() {
  const box = $("fields");
  for (const field of ui.app.fields) {
    const set = document.createElement("fieldset");
    set.innerHTML = `<legend>${field.title}</legend>`;
    for (const option of field.options) {
      const label = document.createElement("label");
      label.className = "option";
      label.dataset.field = field.name;
      label.dataset.value = option.value;
      const keys = option.keys.map(keyLabel).join(" ");
      label.innerHTML = `<input type="radio" name="${field.name}" value="${option.value}">
        <span>${keys}</span><b>${option.name}</b><span class="hint">${option.hint}</span>`;
      label.querySelector("input").addEventListener("change", () => choose(field.name,
        option.value));
      set.append(label);
      for (const key of option.keys) ui.keyMap.set(key, [field.name, option.value]);
    }
    box.append(set);
  }
}

function buildShortcuts() {
  const items = ui.app.fields.map((field) => {
    const keys = field.options.map((o) => `${o.keys.map(keyLabel).join("/")} ${o.name}`)
      .join(", ");
    return `${field.title}: ${keys}`;
  });
  if (ui.app.suggestions) {
    items.push("<kbd>A</kbd> accept the suggested Time (saves &amp; goes on once every field is"
      + " chosen)");
  }
  items.push("<kbd>Enter</kbd> or <kbd>→</kbd> save &amp; next, <kbd>←</kbd> previous");
  items.push("Drag the figure to rotate it; the slider sets the speed (0 pauses)");
  $("shortcuts").innerHTML = items.map((text) => `<li>${text}</li>`).join("");
}

function buildJump() {
  const kinds = ui.app.mode === "label" ? ["block number", "start frame"] : ["sequence number"];
  $("jump-kind").innerHTML = kinds.map((k) => `<option>${k}</option>`).join("");
}

function showProgress(progress) {
  $("progress-count").textContent = progress.labelled;
  $("progress-total").textContent = progress.total;
  $("progress-bar").max = progress.total;
  $("progress-bar").value = progress.labelled;
  const tables = ui.app.fields.map((field) => {
    const rows = field.options.map((o) => {
      const n = progress.counts[field.name][o.value];
      const width = progress.labelled ? (100 * n) / progress.labelled : 0;
      const bar = `<span class="bar" style="width:${width}px"></span>`;
      return `<tr data-field="${field.name}" data-value="${o.value}"><td>${o.name}</td>
        <td class="count">${n}</td><td>${bar}</td></tr>`;
    });
    return `<table class="dist"><caption>${field.title}</caption>${rows.join("")}</table>`;
  });
  $("distribution").innerHTML = tables.join("");
}

// ---------------------------------------------------------------------------- suggestions

const TIME = "time"; // the field the meter suggests

function suggestion() {
  return ui.app.suggestions ? ui.app.suggestions[ui.index] : null;
}

function optionName(field, value) {
  const option = ui.app.fields.find((f) => f.name === field).options
    .find((o) => o.value === value);
  return `${option.name} (${value})`;
}

function showSuggestion() {
  const hint = suggestion();
  for (const el of document.querySelectorAll(".option.suggested")) el.classList.remove("suggested");
  $("meter-note").textContent = ui.app.meter || "";
  if (!hint) {
    $("suggestion").textContent = "";
    return;
  }
  const option = document.querySelector(`.option[data-field=${TIME}][data-value='${hint.value}']`);
  option.classList.add("suggested");
  const percent = Math.round(100 * hint.confidence);
  const state = ui.accepted ? "accepted" : "press <kbd>A</kbd> to accept";
  $("suggestion").innerHTML = `Suggested Time: <b>${optionName(TIME, hint.value)}</b>, `
    + `confidence ${percent}% · ${state}`;
  $("suggestion").className = ui.accepted ? "accepted" : "";
}

function accept() {
  const hint = suggestion();
  if (!hint) {
    $("message").textContent = "No suggestion here.";
    return;
  }
  ui.choice[TIME] = hint.value;
  ui.accepted = true;
  showChoice();
  showSuggestion();
  const missing = ui.app.fields.filter((f) => !(f.name in ui.choice)).map((f) => f.title);
  if (missing.length) {
    $("message").textContent = `Suggestion taken; choose ${missing.join(" and ")}.`;
  } else saveAndNext();
}

// ---------------------------------------------------------------------------- labelling

function describe(labels, source) {
  const text = ui.app.fields.map((field) => {
    const option = field.options.find((o) => o.value === labels[field.name]);
    return `${field.title} ${option.name} (${option.value})`;
  }).join(", ");
  const marks = { suggested: " · Time: accepted suggestion", machine: " · Time: machine label" };
  return text + (marks[source] || "");
}

function showChoice() {
  for (const input of document.querySelectorAll("#fields input")) {
    input.checked = ui.choice[input.name] === Number(input.value);
  }
}

function choose(field, value) {
  ui.choice[field] = value;
  if (field === TIME && ui.accepted) {
    ui.accepted = false; // the person's own choice now, even if it equals the suggestion
    showSuggestion();
  }
  showChoice();
  $("message").textContent = "";
}

async function goTo(i) {
  const n = ui.app.keys.length;
  ui.index = Math.min(Math.max(i, 0), n - 1);
  const saved = ui.app.labels[ui.index];
  const source = ui.app.sources[ui.index];
  ui.choice = saved ? { ...saved } : {};
  const hint = suggestion();
  // A saved accepted suggestion stays one when saved again unchanged.
  ui.accepted = Boolean(saved && hint && source === "suggested" && saved[TIME] === hint.value);
  showChoice();
  showSuggestion();
  $("saved").textContent = saved ? `Saved: ${describe(saved, source)}` : "Not labelled yet";
  $("saved").className = saved ? "" : "unsaved";
  $("message").textContent = "";
  $("block-title").textContent = `${unitTitle()} ${ui.index + 1} of ${n}`;
  const key = ui.app.keys[ui.index];
  const frames = ui.app.mode === "label" ? `frames ${key}–${key + ui.app.seq_len - 1} · ` : "";
  $("block-frames").textContent = `${frames}${ui.app.key_name} ${key}`;
  const wanted = ui.index;
  try {
    const block = await fetchBlock(wanted);
    if (ui.index === wanted) {
      ui.block = block;
      ui.frame = 0;
    }
  } catch (err) {
    $("message").textContent = `Could not load ${ui.app.unit} ${wanted + 1}: ${err.message}`;
  }
  if (wanted + 1 < n) fetchBlock(wanted + 1).catch(() => {}); // prefetch; errors show on visit
}

async function saveAndNext() {
  if (ui.saving) return;
  const missing = ui.app.fields.filter((f) => !(f.name in ui.choice)).map((f) => f.title);
  if (missing.length) {
    $("message").textContent = `Choose ${missing.join(" and ")} first.`;
    return;
  }
  ui.saving = true;
  const index = ui.index;
  try {
    const result = await api("/api/label", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ block: index, ...ui.choice, suggestion: ui.accepted }),
    });
    ui.app.labels[index] = result.labels;
    ui.app.sources[index] = result.source;
    ui.app.suggestions = result.suggestions; // the meter recalibrates on the person's labels
    ui.app.meter = result.meter;
    showProgress(result.progress);
    if (index + 1 < ui.app.keys.length) await goTo(index + 1);
    else {
      await goTo(index);
      $("message").textContent = `Saved. This is the last ${ui.app.unit}.`;
    }
  } catch (err) {
    $("message").textContent = `Not saved: ${err.message}`;
  } finally {
    ui.saving = false;
  }
}

function jump(event) {
  event.preventDefault();
  const value = Number($("jump-value").value);
  const byFrame = $("jump-kind").value === "start frame";
  goTo(byFrame ? Math.floor(value / ui.app.seq_len) : value - 1);
  $("jump-value").blur();
}

function shortcut(event) {
  if (event.target.closest("#jump") || event.ctrlKey || event.altKey || event.metaKey) return;
  const digit = /^Digit([0-9])$/.exec(event.code);
  const key = event.shiftKey && digit ? `shift+${digit[1]}` : event.key.toLowerCase();
  if (ui.keyMap.has(key)) choose(...ui.keyMap.get(key));
  else if (key === "a" && ui.app.suggestions) accept();
  else if (key === "enter" || key === "arrowright") saveAndNext();
  else if (key === "arrowleft") goTo(ui.index - 1);
  else return;
  event.preventDefault(); // no implicit form submit, no radio moving with the arrows
}

// ---------------------------------------------------------------------------- drawing

function camera(canvas) {
  const { min, max } = ui.app.bounds;
  const centre = min.map((lo, k) => (lo + max[k]) / 2);
  const radius = Math.hypot(...min.map((lo, k) => max[k] - lo)) / 2; // fits every rotation
  const scale = (0.95 * Math.min(canvas.width, canvas.height)) / (2 * radius);
  const cy = Math.cos(ui.view.yaw), sy = Math.sin(ui.view.yaw);
  const cp = Math.cos(ui.view.pitch), sp = Math.sin(ui.view.pitch);
  // Orthographic: turn about +z by yaw, tilt the camera up by pitch; +z is up on screen.
  const project = ([x, y, z]) => {
    x -= centre[0]; y -= centre[1]; z -= centre[2];
    const across = x * cy - y * sy, depth = x * sy + y * cy;
    return [canvas.width / 2 + scale * across,
      canvas.height / 2 - scale * (z * cp + depth * sp)];
  };
  return { project, centre, radius, floor: min[2] };
}

function line(ctx, a, b) {
  ctx.beginPath();
  ctx.moveTo(...a);
  ctx.lineTo(...b);
  ctx.stroke();
}

function drawFloor(ctx, cam) {
  const steps = 8, half = cam.radius / Math.SQRT2;
  ctx.strokeStyle = "#e2e2e2";
  ctx.lineWidth = 1;
  for (let k = 0; k <= steps; k++) {
    const t = -half + (2 * half * k) / steps;
    const [x0, y0] = [cam.centre[0], cam.centre[1]];
    line(ctx, cam.project([x0 + t, y0 - half, cam.floor]),
      cam.project([x0 + t, y0 + half, cam.floor]));
    line(ctx, cam.project([x0 - half, y0 + t, cam.floor]),
      cam.project([x0 + half, y0 + t, cam.floor]));
  }
}

function draw(time) {
  const canvas = $("stage");
  const ctx = canvas.getContext("2d");
  const speed = Number($("speed").value);
  if (ui.lastTime !== null && ui.block) {
    ui.frame = (ui.frame + ((time - ui.lastTime) / 1000) * ui.app.fps * speed)
      % ui.app.seq_len;
  }
  ui.lastTime = time;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (ui.app && ui.block) {
    const cam = camera(canvas);
    drawFloor(ctx, cam);
    const f = Math.floor(ui.frame);
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ui.block.frames[f].forEach(([a, b], s) => {
      ctx.strokeStyle = COLOURS[ui.app.sides[s]];
      line(ctx, cam.project(a), cam.project(b));
    });
    const absolute = ui.app.mode === "label" ? `frame ${ui.block.key + f} · ` : "";
    $("frame-info").textContent = `${absolute}${f + 1}/${ui.app.seq_len}`;
  }
  requestAnimationFrame(draw);
}

function enableRotation(canvas) {
  let last = null;
  canvas.addEventListener("pointerdown", (e) => {
    last = [e.clientX, e.clientY];
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    ui.view.yaw += (e.clientX - last[0]) * 0.01;
    ui.view.pitch = Math.min(1.5, Math.max(-1.5, ui.view.pitch + (e.clientY - last[1]) * 0.01));
    last = [e.clientX, e.clientY];
  });
  const stop = () => { last = null; };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
}

// ---------------------------------------------------------------------------- start

async function init() {
  ui.app = await api("/api/state");
  $("mode").textContent = ui.app.mode === "label" ? "· efforts" : "· blind";
  $("files").textContent = `${ui.app.source} → ${ui.app.output}`;
  for (const el of document.querySelectorAll(".unit-name")) el.textContent = `${ui.app.unit}s`;
  buildFields();
  buildShortcuts();
  buildJump();
  showProgress(ui.app.progress);
  $("label-form").addEventListener("submit", (e) => { e.preventDefault(); saveAndNext(); });
  $("prev").addEventListener("click", () => goTo(ui.index - 1));
  $("next").addEventListener("click", () => goTo(ui.index + 1));
  $("jump").addEventListener("submit", jump);
  $("speed").addEventListener("input", () => {
    $("speed-value").textContent = `${Number($("speed").value).toFixed(2)}×`;
  });
  $("reset-view").addEventListener("click", () => { ui.view = { ...DEFAULT_VIEW }; });
  document.addEventListener("keydown", shortcut);
  enableRotation($("stage"));
  requestAnimationFrame(draw);
  await goTo(ui.app.start);
  document.body.dataset.ready = "true"; // tests wait for this
}

init().catch((err) => {
  $("block-title").textContent = "Could not start";
  $("message").textContent = err.message;
});
