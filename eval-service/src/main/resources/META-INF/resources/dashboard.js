// Dashboard of eval-service: loads scores and promotions once, then follows server-sent updates.
'use strict';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const state = { scores: new Map(), promoted: null, promotions: [], teacher: null, freshness: null };

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (response.status === 204) return null;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function short(id) { return id ? id.slice(0, 8) : '–'; }
function percent(value) { return value == null ? '–' : (100 * value).toFixed(2) + '%'; }
function fixed(value, digits) { return value == null ? '–' : value.toFixed(digits); }
function megabytes(bytes) { return bytes == null ? '–' : (bytes / 1e6).toFixed(1); }
/** The checkpoint's int8 ONNX export's scores ({} when not scored). */
function int8(score) { return score.onnxInt8 || {}; }
/** A checkpoint's class names (stored as a JSON array), for the macro-F1 they average over. */
function classes(labels) { return labels ? JSON.parse(labels).join(', ') : '–'; }

function runsOf(scores) {
  const runs = new Map();
  for (const score of scores) {
    if (!runs.has(score.runId)) runs.set(score.runId, []);
    runs.get(score.runId).push(score);
  }
  for (const points of runs.values()) points.sort((a, b) => a.step - b.step);
  return runs;
}

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640, HEIGHT = 300, LEFT = 56, RIGHT = 16, TOP = 14, BOTTOM = 34;

/** Pads a value range by 8% on each side (or widens a single value) so points do not sit on the frame. */
function padded(values) {
  let low = Math.min(...values), high = Math.max(...values);
  if (high - low < 1e-9) { low -= 0.05 * Math.max(Math.abs(low), 1); high += 0.05 * Math.max(Math.abs(high), 1); }
  const pad = (high - low) * 0.08;
  return [low - pad, high + pad];
}

/**
 * Clears the chart and draws its axes with five ticks each; returns add(name, attributes, text) and the scales x, y.
 * xRange and yRange are [low, high]; xDigits and yDigits format the ticks.
 */
function axes(svg, xRange, yRange, xDigits, yDigits) {
  svg.replaceChildren();
  const add = (name, attributes, text) => {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (text != null) element.textContent = text;
    svg.appendChild(element);
    return element;
  };
  const [xLow, xHigh] = xRange, [yLow, yHigh] = yRange;
  const x = value => LEFT + (WIDTH - LEFT - RIGHT) * (value - xLow) / (xHigh - xLow);
  const y = value => TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - yLow) / (yHigh - yLow));
  add('line', { x1: LEFT, y1: HEIGHT - BOTTOM, x2: WIDTH - RIGHT, y2: HEIGHT - BOTTOM, class: 'axis' });
  add('line', { x1: LEFT, y1: TOP, x2: LEFT, y2: HEIGHT - BOTTOM, class: 'axis' });
  for (let i = 0; i <= 4; i++) {
    const yValue = yLow + (yHigh - yLow) * i / 4;
    add('text', { x: LEFT - 6, y: y(yValue) + 4, 'text-anchor': 'end', class: 'tick' }, yValue.toFixed(yDigits));
    const xValue = xLow + (xHigh - xLow) * i / 4;
    add('text', { x: x(xValue), y: HEIGHT - BOTTOM + 16, 'text-anchor': 'middle', class: 'tick' },
      xValue.toFixed(xDigits));
  }
  return { add, x, y };
}

function empty(svg) {
  svg.replaceChildren();
  const text = document.createElementNS(SVG, 'text');
  Object.entries({ x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'empty' })
    .forEach(([key, value]) => text.setAttribute(key, value));
  text.textContent = 'no data yet';
  svg.appendChild(text);
}

const known = value => value != null && isFinite(value);

/** Draws one line per run of field(score) against step; reference is an optional horizontal line. */
function drawChart(svg, runs, field, reference) {
  const points = [...runs.values()].flat().filter(s => known(field(s)));
  if (points.length === 0) return empty(svg);
  const values = points.map(field).concat(reference == null ? [] : [reference]);
  const { add, x, y } = axes(svg, [0, Math.max(...points.map(s => s.step), 1)], padded(values), 0, 3);
  if (reference != null) {
    add('line', { x1: LEFT, y1: y(reference), x2: WIDTH - RIGHT, y2: y(reference), class: 'teacher' });
  }
  let index = 0;
  for (const [runId, scores] of runs) {
    const line = scores.filter(s => known(field(s)))
      .map(s => `${x(s.step).toFixed(1)},${y(field(s)).toFixed(1)}`).join(' ');
    const color = COLORS[index++ % COLORS.length];
    if (line) add('polyline', { points: line, class: 'series', stroke: color, 'data-run': runId });
  }
}

/**
 * Accuracy against milliseconds per sentence at batch 1: a dot per checkpoint as trained (coloured by run), a ring
 * per checkpoint exported with int8 weights (ONNX Runtime), and the teacher as a black square.
 */
function drawTradeOff(svg, runs, teacher) {
  const dots = [];
  let index = 0;
  for (const scores of runs.values()) {
    const color = COLORS[index++ % COLORS.length];
    for (const s of scores) {
      if (known(s.latencyMillisP50)) {
        dots.push({ ms: s.latencyMillisP50, accuracy: s.accuracy, color, kind: 'checkpoint' });
      }
      if (s.onnxInt8 && known(s.onnxInt8.latencyMillisP50)) {
        dots.push({ ms: s.onnxInt8.latencyMillisP50, accuracy: s.onnxInt8.accuracy, color, kind: 'int8' });
      }
    }
  }
  if (teacher && known(teacher.latencyMillisP50) && known(teacher.accuracy)) {
    dots.push({ ms: teacher.latencyMillisP50, accuracy: teacher.accuracy, kind: 'teacher-point' });
  }
  if (dots.length === 0) return empty(svg);
  const [, xHigh] = padded(dots.map(d => d.ms));
  const { add, x, y } = axes(svg, [0, xHigh], padded(dots.map(d => d.accuracy)), 1, 3);
  for (const dot of dots) {
    if (dot.kind === 'teacher-point') {
      add('rect', { x: x(dot.ms) - 6, y: y(dot.accuracy) - 6, width: 12, height: 12, class: dot.kind });
      add('text', { x: x(dot.ms) - 10, y: y(dot.accuracy) + 4, 'text-anchor': 'end', class: 'tick' }, 'teacher');
    } else {
      add('circle', { cx: x(dot.ms), cy: y(dot.accuracy), r: 4, class: dot.kind, stroke: dot.color,
        fill: dot.kind === 'checkpoint' ? dot.color : 'none' });
    }
  }
}

function render() {
  const scores = [...state.scores.values()];
  const runs = runsOf(scores);
  const teacherAccuracy = state.teacher && state.teacher.accuracy != null ? state.teacher.accuracy : null;
  drawChart(document.getElementById('accuracy-chart'), runs, s => s.accuracy, teacherAccuracy);
  drawChart(document.getElementById('loss-chart'), runs, s => s.trainLoss, null);
  drawChart(document.getElementById('agreement-chart'), runs, s => s.agreement, null);
  drawTradeOff(document.getElementById('latency-chart'), runs, state.teacher);
  document.getElementById('scored').textContent = String(scores.length);
  document.getElementById('teacher').textContent = teacherAccuracy == null ? 'no teacher configured'
    : `accuracy ${percent(teacherAccuracy)} on ${state.teacher.examples} examples, `
      + `${fixed(state.teacher.latencyMillisP50, 1)} ms per sentence at batch 1`;
  const promoted = state.promoted;
  document.getElementById('promoted').textContent = promoted
    ? `${short(promoted.checkpointId)} of run ${short(promoted.runId)}: accuracy ${percent(promoted.accuracy)}`
    : 'none yet';
  document.getElementById('freshness').textContent = freshnessText(state.freshness);
  const body = document.querySelector('#leaderboard tbody');
  body.replaceChildren();
  scores.sort((a, b) => b.accuracy - a.accuracy || b.step - a.step).slice(0, 25).forEach((score, rank) => {
    const row = body.insertRow();
    if (promoted && promoted.checkpointId === score.checkpointId) row.className = 'promoted';
    [rank + 1, short(score.checkpointId), short(score.runId), score.step, score.examplesSeen,
      percent(score.accuracy), score.macroF1.toFixed(4), percent(score.agreement), fixed(score.latencyMillisP50, 1),
      fixed(score.sentencesPerSecond, 0), megabytes(score.sizeBytes), percent(int8(score).accuracy),
      fixed(int8(score).latencyMillisP50, 1), megabytes(int8(score).sizeBytes), classes(score.labels)]
      .forEach(value => { row.insertCell().textContent = String(value); });
  });
  const list = document.getElementById('promotions');
  list.replaceChildren();
  for (const promotion of state.promotions) {
    const item = document.createElement('li');
    item.textContent = `${short(promotion.checkpointId)} (${percent(promotion.accuracy)}) promoted `
      + new Date(promotion.promotedAt).toLocaleString()
      + (promotion.rolledBackAt ? ', rolled back ' + new Date(promotion.rolledBackAt).toLocaleString() : '');
    list.appendChild(item);
  }
}

// How old the newest example a promoted student learnt from was when it began to serve, and where the time went.
function freshnessText(report) {
  if (!report || !report.total) return 'no promotion has served yet';
  const last = report.promotions[0];
  const seconds = value => value.toFixed(1) + ' s';
  const parts = Object.entries(report.parts).map(([part, q]) => `${part} ${seconds(q.p50)}`).join(', ');
  return `serving student: ${seconds(last.totalSeconds)} behind the stream when it began to serve; `
    + `last ${report.promotions.length} promotions: p50 ${seconds(report.total.p50)}, `
    + `p95 ${seconds(report.total.p95)} (medians: ${parts})`;
}

async function loadPromotions() {
  state.promotions = await getJson('promotions');
  state.promoted = await getJson('promotions/current');
  state.freshness = await getJson('promotions/freshness');
}

function follow() {
  const live = document.getElementById('live');
  const source = new EventSource('dashboard/updates');
  source.onopen = () => { live.textContent = 'live'; live.classList.add('live'); };
  source.onerror = () => { live.textContent = 'reconnecting…'; live.classList.remove('live'); };
  source.onmessage = async event => {
    const update = JSON.parse(event.data);
    if (update.type === 'score') state.scores.set(update.data.checkpointId, update.data);
    if (update.type === 'promotion' || update.type === 'freshness') await loadPromotions();
    render();
  };
}

async function start() {
  try {
    const [scores, teacher] = await Promise.all([getJson('leaderboard'), getJson('dashboard/teacher')]);
    scores.forEach(score => state.scores.set(score.checkpointId, score));
    state.teacher = teacher;
    await loadPromotions();
    render();
  } catch (error) {
    document.getElementById('live').textContent = 'error: ' + error.message;
  }
  follow();
}

start();
