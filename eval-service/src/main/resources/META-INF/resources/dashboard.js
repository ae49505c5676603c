// Dashboard of eval-service: loads scores and promotions once, then follows server-sent updates.
'use strict';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const state = { scores: new Map(), promoted: null, promotions: [], teacher: null };

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (response.status === 204) return null;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function short(id) { return id ? id.slice(0, 8) : '–'; }
function percent(value) { return value == null ? '–' : (100 * value).toFixed(2) + '%'; }
function fixed(value, digits) { return value == null ? '–' : value.toFixed(digits); }
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

/** Draws one line per run of field(score) against step; reference is an optional horizontal line. */
function drawChart(svg, runs, field, reference) {
  const ns = 'http://www.w3.org/2000/svg';
  const width = 640, height = 300, left = 56, right = 16, top = 14, bottom = 34;
  svg.replaceChildren();
  const points = [...runs.values()].flat().filter(s => field(s) != null && isFinite(field(s)));
  const add = (name, attributes, text) => {
    const element = document.createElementNS(ns, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (text != null) element.textContent = text;
    svg.appendChild(element);
    return element;
  };
  if (points.length === 0) {
    add('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'no data yet');
    return;
  }
  const values = points.map(field).concat(reference == null ? [] : [reference]);
  let low = Math.min(...values), high = Math.max(...values);
  if (high - low < 1e-9) { low -= 0.05; high += 0.05; }
  const pad = (high - low) * 0.08;
  low -= pad; high += pad;
  const maxStep = Math.max(...points.map(s => s.step), 1);
  const x = step => left + (width - left - right) * step / maxStep;
  const y = value => top + (height - top - bottom) * (1 - (value - low) / (high - low));
  add('line', { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: 'axis' });
  add('line', { x1: left, y1: top, x2: left, y2: height - bottom, class: 'axis' });
  for (let i = 0; i <= 4; i++) {
    const value = low + (high - low) * i / 4;
    add('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'tick' }, value.toFixed(3));
    const step = Math.round(maxStep * i / 4);
    add('text', { x: x(step), y: height - bottom + 16, 'text-anchor': 'middle', class: 'tick' }, String(step));
  }
  if (reference != null) {
    add('line', { x1: left, y1: y(reference), x2: width - right, y2: y(reference), class: 'teacher' });
  }
  let index = 0;
  for (const [runId, scores] of runs) {
    const line = scores.filter(s => field(s) != null && isFinite(field(s)))
      .map(s => `${x(s.step).toFixed(1)},${y(field(s)).toFixed(1)}`).join(' ');
    const color = COLORS[index++ % COLORS.length];
    if (line) add('polyline', { points: line, class: 'series', stroke: color, 'data-run': runId });
  }
}

function render() {
  const scores = [...state.scores.values()];
  const runs = runsOf(scores);
  const teacherAccuracy = state.teacher && state.teacher.accuracy != null ? state.teacher.accuracy : null;
  drawChart(document.getElementById('accuracy-chart'), runs, s => s.accuracy, teacherAccuracy);
  drawChart(document.getElementById('loss-chart'), runs, s => s.trainLoss, null);
  drawChart(document.getElementById('agreement-chart'), runs, s => s.agreement, null);
  document.getElementById('scored').textContent = String(scores.length);
  document.getElementById('teacher').textContent = teacherAccuracy == null ? 'no teacher configured'
    : `accuracy ${percent(teacherAccuracy)} on ${state.teacher.examples} examples, `
      + `${fixed(state.teacher.latencyMillisP50, 1)} ms per sentence at batch 1`;
  const promoted = state.promoted;
  document.getElementById('promoted').textContent = promoted
    ? `${short(promoted.checkpointId)} of run ${short(promoted.runId)}: accuracy ${percent(promoted.accuracy)}`
    : 'none yet';
  const body = document.querySelector('#leaderboard tbody');
  body.replaceChildren();
  scores.sort((a, b) => b.accuracy - a.accuracy || b.step - a.step).slice(0, 25).forEach((score, rank) => {
    const row = body.insertRow();
    if (promoted && promoted.checkpointId === score.checkpointId) row.className = 'promoted';
    [rank + 1, short(score.checkpointId), short(score.runId), score.step, score.examplesSeen,
      percent(score.accuracy), score.macroF1.toFixed(4), percent(score.agreement), fixed(score.latencyMillisP50, 1),
      fixed(score.sentencesPerSecond, 0), fixed(score.sizeBytes == null ? null : score.sizeBytes / 1e6, 1),
      classes(score.labels)]
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

async function loadPromotions() {
  state.promotions = await getJson('promotions');
  state.promoted = await getJson('promotions/current');
}

function follow() {
  const live = document.getElementById('live');
  const source = new EventSource('dashboard/updates');
  source.onopen = () => { live.textContent = 'live'; live.classList.add('live'); };
  source.onerror = () => { live.textContent = 'reconnecting…'; live.classList.remove('live'); };
  source.onmessage = async event => {
    const update = JSON.parse(event.data);
    if (update.type === 'score') state.scores.set(update.data.checkpointId, update.data);
    if (update.type === 'promotion') await loadPromotions();
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
