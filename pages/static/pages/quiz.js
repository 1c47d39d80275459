/* Lencana quiz page: the countdown from the server's deadline, saving every answer as it
   changes (kept on the phone while the connection is gone), the one-minute warning and the
   submit when the time is up. Without JavaScript the page still works through its forms. */
(function () {
  "use strict";
  var timer = document.getElementById("timer");
  var form = document.getElementById("quiz");
  var stateEl = document.getElementById("savestate");
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value ||
    (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var closed = false;

  function say(text, offline) {
    if (!stateEl) return;
    stateEl.textContent = text || "";
    stateEl.classList.toggle("offline", !!offline);
  }

  // --- Saving ---------------------------------------------------------------------------------
  var storeKey = form ? "lencana-attempt-" + form.dataset.attempt : null;
  var pending = {};
  try { pending = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { pending = {}; }
  var sending = false;

  function remember() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }

  // A question's fields as [name, value] pairs: its choices, text, number, the selects of a
  // matching question or the item ids of an ordering question in their order.
  function valuesOf(fieldset) {
    var id = fieldset.dataset.question;
    var values = [];
    fieldset.querySelectorAll("[name^='q-" + id + "']").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") { if (input.checked) values.push([input.name, input.value]); }
      else values.push([input.name, input.value]);
    });
    return values;
  }

  function restore(fieldset, values) {
    var id = fieldset.dataset.question;
    var list = fieldset.querySelector("ol.ordering");
    if (list) {
      values.forEach(function (pair) {
        if (pair[0] !== "q-" + id) return;
        var li = list.querySelector("li[data-item='" + pair[1] + "']");
        if (li) list.appendChild(li);
      });
      var set = fieldset.querySelector("[name='q-" + id + "-set']");
      if (set) set.value = "1";
      orderButtons(list);
      return;
    }
    fieldset.querySelectorAll("[name^='q-" + id + "']").forEach(function (input) {
      var given = values.filter(function (pair) { return pair[0] === input.name; });
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = given.some(function (pair) { return pair[1] === input.value; });
      } else if (given.length) { input.value = given[0][1]; }
    });
  }

  // Ordering: the Up and Down buttons move the item here (without a reload) and keep the focus
  // on the moved item's button, so a keyboard user can go on moving it.
  function orderButtons(list) {
    var items = list.querySelectorAll("li");
    items.forEach(function (li, n) {
      li.querySelector("[data-move=up]").disabled = n === 0;
      li.querySelector("[data-move=down]").disabled = n === items.length - 1;
    });
  }

  function move(button) {
    var fieldset = button.closest("fieldset[data-question]");
    var set = fieldset.querySelector("[name='q-" + fieldset.dataset.question + "-set']");
    if (set) set.value = "1";
    var direction = button.dataset.move;
    if (direction === "keep") { button.hidden = true; changed(fieldset); return; }
    var li = button.closest("li"), list = li.parentNode;
    if (direction === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    if (direction === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    orderButtons(list);
    var keep = fieldset.querySelector("[data-move=keep]");
    if (keep) keep.hidden = true;
    var target = li.querySelector("[data-move=" + direction + "]");
    (target.disabled ? li.querySelector("button:not([disabled])") : target).focus();
    var status = fieldset.querySelector(".order-status");
    var position = Array.prototype.indexOf.call(list.children, li) + 1;
    if (status) status.textContent = li.querySelector(".item-text").textContent + ": " + position + "/" + list.children.length;
    changed(fieldset);
  }

  function notNumbers(ids, message) {
    if (!form) return;
    form.querySelectorAll("fieldset[data-question] .field-error").forEach(function (el) {
      var id = Number(el.closest("fieldset").dataset.question);
      el.hidden = ids.indexOf(id) < 0;
      el.textContent = el.hidden ? "" : message;
    });
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Lencana-Fetch": "1" }
    });
  }

  function flush() {
    if (!form || sending || closed) return Promise.resolve();
    var ids = Object.keys(pending);
    if (!ids.length) return Promise.resolve();
    var data = new FormData();
    ids.forEach(function (id) {
      data.append("shown", id);
      pending[id].forEach(function (pair) { data.append(pair[0], pair[1]); });
    });
    var sent = JSON.stringify(pending);
    sending = true;
    say(form.dataset.msgSaving);
    return post(form.action, data).then(function (response) {
      sending = false;
      if (response.ok) {
        response.clone().json().then(function (body) { notNumbers(body.not_numbers || [], body.detail); }, function () {});
        // Keep what changed while this request was on its way.
        var now = JSON.parse(sent);
        ids.forEach(function (id) { if (JSON.stringify(pending[id]) === JSON.stringify(now[id])) delete pending[id]; });
        remember();
        say(form.dataset.msgSaved);
        if (Object.keys(pending).length) return flush();
      } else if (response.status === 409) {
        closed = true; pending = {}; remember();
        say(form.dataset.msgClosed, true);
      } else {
        say(form.dataset.msgOffline, true);
      }
    }).catch(function () {
      sending = false;
      say(form.dataset.msgOffline, true);
    });
  }

  function changed(fieldset) {
    pending[fieldset.dataset.question] = valuesOf(fieldset);
    remember();
    flush();
  }

  if (form) {
    // Answers kept on the phone (sent while offline, then the page was reloaded) win over the
    // server's copy: put them back and send them.
    Object.keys(pending).forEach(function (id) {
      var fieldset = document.getElementById("question-" + id);
      var kept = pending[id];
      if (!Array.isArray(kept) || kept.some(function (pair) { return !Array.isArray(pair); })) {
        delete pending[id]; return;  // kept by an older version of this page
      }
      if (fieldset) restore(fieldset, kept);  // a question of another screen is only sent
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) return;
      event.preventDefault();
      move(button);
    });
    var typing = null;
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("fieldset[data-question]");
      if (fieldset) changed(fieldset);
    });
    form.addEventListener("input", function (event) {
      var fieldset = event.target.closest("fieldset[data-question]");
      if (!fieldset || event.target.type === "radio" || event.target.type === "checkbox" || event.target.tagName === "SELECT") return;
      clearTimeout(typing);
      typing = setTimeout(function () { changed(fieldset); }, 800);
    });
    window.addEventListener("online", flush);
    setInterval(flush, 3000);
    flush();
  }

  // --- The countdown --------------------------------------------------------------------------
  if (!timer) return;
  var deadline = Date.parse(timer.dataset.deadline);
  var skew = Date.parse(timer.dataset.serverNow) - Date.now();  // the phone's clock may be wrong
  var countdown = document.getElementById("countdown");
  var warned = false, over = false;

  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function submitWhenOver() {
    var attemptUrl = timer.dataset.attemptUrl;
    flush().then(function () {
      return post(timer.dataset.submitUrl, new FormData());
    }).then(function (response) {
      if (response.ok || response.status === 404) { window.location.assign(attemptUrl); }
      else { setTimeout(submitWhenOver, 2000); }
    }).catch(function () {
      // Offline at the deadline: the server submits the saved answers by itself; try again.
      setTimeout(submitWhenOver, 2000);
    });
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - (Date.now() + skew)) / 1000));
    countdown.textContent = format(left);
    if (left <= 60 && !warned) {
      warned = true;
      timer.classList.add("warning");
      document.getElementById("time-warning").hidden = false;
    }
    if (left <= 0 && !over) {
      over = true;
      document.getElementById("time-up").hidden = false;
      if (form) form.querySelectorAll("input, textarea, select, button").forEach(function (el) { el.disabled = true; });
      submitWhenOver();
    }
  }
  tick();
  setInterval(tick, 250);
})();
