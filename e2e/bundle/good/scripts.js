// A custom control written as the CDK's HTML starter writes one: wait for
// the page, listen on mixer.socket, send input with giveInput, and call
// mixer.isLoaded() when ready. It draws every control of the kind
// "board" and shows the "score" property the game client sets.
window.addEventListener('load', function initMixer() {
  var boards = document.getElementById('boards');
  var controls = {}; // controlID -> the latest control object
  var clicks = 0;

  function render(control) {
    var el = document.getElementById('board-' + control.controlID);
    if (!el) {
      el = document.createElement('section');
      el.className = 'board';
      el.id = 'board-' + control.controlID;
      var title = document.createElement('h2');
      var score = document.createElement('div');
      score.className = 'score';
      var button = document.createElement('button');
      button.className = 'press';
      var sent = document.createElement('div');
      sent.className = 'sent';
      el.append(title, score, button, sent);
      boards.append(el);
      button.onclick = function (event) {
        clicks++;
        mixer.socket
          .call('giveInput', {
            controlID: control.controlID,
            event: 'click',
            button: event.button,
            clicks: clicks,
            note: { from: 'the board bundle' },
          })
          .then(function () {
            sent.textContent = 'sent ' + clicks;
          })
          .catch(function (err) {
            sent.textContent = 'refused: ' + err.message;
          });
      };
    }
    el.querySelector('h2').textContent = control.title || control.controlID;
    el.querySelector('.score').textContent = 'score: ' + (control.score === undefined ? '–' : control.score);
    el.querySelector('.press').textContent = control.label || 'Press';
    el.dataset.kind = control.kind;
  }

  function handleControls(update) {
    (update.controls || []).forEach(function (c) {
      var merged = Object.assign({}, controls[c.controlID] || {}, c);
      controls[c.controlID] = merged;
      if (merged.kind === 'board') {
        render(merged);
      }
    });
  }

  function handleScenes(update) {
    (update.scenes || []).forEach(handleControls);
  }

  mixer.socket.on('onSceneCreate', handleScenes);
  mixer.socket.on('onSceneUpdate', handleScenes);
  mixer.socket.on('onControlCreate', handleControls);
  mixer.socket.on('onControlUpdate', handleControls);
  mixer.socket.on('onParticipantJoin', function (ev) {
    var me = ev.participants[0];
    document.getElementById('who').textContent = 'You are ' + me.username + ' (' + me.sessionID + ')';
  });
  mixer.socket.on('onParticipantUpdate', function (ev) {
    var me = ev.participants[0];
    document.getElementById('who').textContent = 'You are ' + me.username + ' (' + me.sessionID + ')';
  });
  mixer.socket.on('onReady', function (ev) {
    document.getElementById('ready').textContent = ev.isReady ? 'ready' : 'not ready';
  });
  mixer.socket.on('event', function (ev) {
    document.getElementById('ready').textContent = 'event: ' + JSON.stringify(ev);
  });
  mixer.display.settings().subscribe(function (s) {
    document.getElementById('settings').textContent = s.platform + ' ' + s.language + (s.placesVideo ? ' places video' : '');
  });
  mixer.display.position().subscribe(function (p) {
    var v = p.connectedPlayer;
    document.getElementById('video').textContent =
      'video at ' + Math.round(v.left) + ',' + Math.round(v.top) + ' ' + Math.round(v.width) + 'x' + Math.round(v.height);
  });

  // Move the video by a static offset amount, as the starter does.
  mixer.display.moveVideo({ top: 50, left: 50, width: 320, height: 180 });

  mixer.isLoaded();
});
