// The progress card of an upload that the worker is checking or registering: follows the
// worker through the status URL and reloads the page once the upload's state changes.
(function () {
  var card = document.getElementById("progress-card");
  if (!card) { return; }
  var bar = document.getElementById("progress"), text = document.getElementById("progress-text"),
      state = card.dataset.state, template = card.dataset.rowsText;
  function poll() {
    fetch(card.dataset.statusUrl, {headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.state !== state) { window.location.reload(); return; }
        var waiting = document.getElementById("progress-waiting");
        if (waiting && !data.waiting) { waiting.hidden = true; }
        if (data.total) {
          bar.max = data.total; bar.value = data.done;
          text.textContent = template.replace("%(done)s", data.done).replace("%(total)s", data.total);
        }
        setTimeout(poll, 1000);
      }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
