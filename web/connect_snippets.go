package web

import (
	"strconv"
	"strings"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/templates"
)

// connectTarget is what a game client needs to run a version: the server's
// http(s) base (discovery is {Base}/api/v1/interactive/hosts), the
// game-client socket, the version ID for X-Interactive-Version and a
// bearer token (a placeholder until one is minted).
type connectTarget struct {
	Base      string // http://HOST
	Socket    string // ws://HOST/gameClient
	VersionID int64
	Token     string
}

// tokenPlaceholder stands in the snippets until the page mints a token.
const tokenPlaceholder = "PASTE_A_TOKEN_HERE"

// connectSnippets are the copy-paste programs of the "Connect a game"
// page, one per SDK, filled with t's values. The node and Go ones are run
// by tests exactly as rendered (e2e TestConnectPageSnippetsRun); the
// others follow their SDK's documented calls.
func connectSnippets(t connectTarget) []templates.Snippet {
	r := strings.NewReplacer(
		"{{BASE}}", t.Base,
		"{{HOSTS}}", t.Base+mediator.HostsPath,
		"{{SOCKET}}", t.Socket,
		"{{VERSION}}", strconv.FormatInt(t.VersionID, 10),
		"{{TOKEN}}", t.Token,
	)
	out := make([]templates.Snippet, len(snippetSources))
	for i, s := range snippetSources {
		out[i] = templates.Snippet{ID: s.id, Name: s.name, Setup: r.Replace(s.setup), Code: r.Replace(s.code)}
	}
	return out
}

var snippetSources = []struct{ id, name, setup, code string }{
	{"node", "Node.js (@mixer/interactive-node)", "npm install @mixer/interactive-node@3.0.1 ws", `const interactive = require('@mixer/interactive-node');
interactive.setWebSocket(require('ws'));

const client = new interactive.GameClient();
client.on('error', (err) => console.error('error:', err.message || err));
client.state.on('participantJoin', (p) => console.log('joined: ' + p.username));

client
  .open({
    authToken: '{{TOKEN}}',
    versionId: {{VERSION}},
    discoveryUrl: '{{HOSTS}}',
  })
  .then(() => client.synchronizeState())
  .then(() => {
    for (const scene of client.state.getScenes().values()) {
      for (const control of scene.getControls()) {
        for (const event of ['mousedown', 'move', 'submit']) {
          control.on(event, (input, participant) => {
            const who = participant ? participant.username : input.participantID;
            console.log('input: ' + who + ' ' + control.controlID + ' ' + event);
            if (input.transactionID) client.captureTransaction(input.transactionID);
          });
        }
      }
    }
    return client.ready(true);
  })
  .then(() => console.log('ready: press a control on the play page'));
`},
	{"go", "Go (mixstudio live/client)", "go get github.com/mixstudio/mixstudio/live/client", `package main

import (
	"context"
	"fmt"
	"log"

	"github.com/mixstudio/mixstudio/live/client"
)

func main() {
	ctx := context.Background()
	c, err := client.Dial(ctx, client.Config{
		DiscoveryURL: "{{BASE}}",
		Token:        "{{TOKEN}}",
		VersionID:    "{{VERSION}}",
	})
	if err != nil {
		log.Fatal(err) // a *client.HandshakeError says why the server refused
	}
	defer c.Close()
	if err := c.Ready(ctx, true); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready: press a control on the play page")
	for e := range c.Events() {
		if e.Method != "giveInput" {
			continue
		}
		in, err := e.Input()
		if err != nil {
			continue
		}
		fmt.Printf("input: %s %s %s\n", in.ParticipantID, in.Input.ControlID, in.Input.Event)
		if in.TransactionID != "" {
			if err := c.Capture(ctx, in.TransactionID); err != nil {
				log.Print(err)
			}
		}
	}
}
`},
	{"python", "Python (mixer/interactive-python)", "pip install git+https://github.com/mixer/interactive-python", `import asyncio
from interactive_python import State

async def main():
    # address: the game-client socket, so the SDK skips mixer.com's discovery.
    state = await State.connect(
        address="{{SOCKET}}",
        authorization="Bearer {{TOKEN}}",
        project_version_id={{VERSION}})
    state.on("giveInput", lambda call: print("input:", call.data["input"]))
    state.pump_async()
    await state.set_ready(True)
    print("ready: press a control on the play page")
    await asyncio.Event().wait()

asyncio.get_event_loop().run_until_complete(main())
`},
	{"java", "Java (mixer/interactive-java)", "implementation 'com.mixer:interactive-java-sdk:3.0.0'", `import com.google.common.eventbus.Subscribe;
import com.mixer.interactive.GameClient;
import com.mixer.interactive.event.control.input.ControlInputEvent;
import java.net.URI;

public class ConnectGame {
    public static void main(String[] args) throws Exception {
        // The version ID, and any OAuth client id (only the shortcode flow uses it).
        GameClient game = new GameClient({{VERSION}}, "mixstudio");
        game.getEventBus().register(new Object() {
            @Subscribe
            public void onInput(ControlInputEvent event) {
                System.out.println("input: " + event.getControlInput().getControlID());
            }
        });
        // The game-client socket itself: the SDK then skips mixer.com's discovery.
        game.connectTo("{{TOKEN}}", URI.create("{{SOCKET}}")).get();
        game.ready(true);
        System.out.println("ready: press a control on the play page");
        Thread.currentThread().join();
    }
}
`},
	{"cpp", "C++ (mixer/interactive-cpp)", "the SDK asks https://mixer.com/api/v1/interactive/hosts for servers: build it with that URL replaced by {{HOSTS}}", `#include "interactivity.h"
#include <chrono>
#include <iostream>
#include <thread>

static void on_input(void*, interactive_session, const interactive_input* input) {
    std::cout << "input: " << input->control.id << std::endl;
}

int main() {
    interactive_session session;
    if (int err = interactive_open_session(&session)) return err;
    interactive_set_input_handler(session, on_input);
    // authorization, X-Interactive-Version, share code (none), go ready.
    if (int err = interactive_connect(session, "Bearer {{TOKEN}}", "{{VERSION}}", "", true)) return err;
    std::cout << "ready: press a control on the play page" << std::endl;
    for (;;) {
        interactive_run(session, 10);
        std::this_thread::sleep_for(std::chrono::milliseconds(16));
    }
}
`},
	{"unity", "Unity (mixer/interactive-unity-plugin)", "in Assets/MixerInteractive/Editor: set the project's version ID and share code; the plugin asks https://mixer.com/api/v1/interactive/hosts for servers, so point that URL at {{HOSTS}}", `using Microsoft.Mixer;
using UnityEngine;

public class ConnectGame : MonoBehaviour
{
    void Start()
    {
        // Version {{VERSION}} (X-Interactive-Version) is set in the
        // plugin's settings. The plugin signs in with the shortcode flow:
        // the player enters the code it shows at {{BASE}}/go.
        MixerInteractive.OnInteractiveButtonEvent += (source, e) =>
            Debug.Log("input: " + e.ControlID);
        MixerInteractive.GoInteractive();
    }
}
`},
}
