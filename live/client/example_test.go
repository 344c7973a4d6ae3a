package client_test

import (
	"context"
	"encoding/json"
	"log"

	"github.com/mixstudio/mixstudio/live/client"
)

// The live console's use: connect, push the design, go ready, relay input.
func Example() {
	ctx := context.Background()
	c, err := client.Dial(ctx, client.Config{
		DiscoveryURL: "http://127.0.0.1:8080", // or Hosts: []string{"ws://.../gameClient"}
		Token:        "TOKEN",                 // mixstudio token
		VersionID:    "1",
	})
	if err != nil {
		log.Fatal(err) // a *client.HandshakeError says why the server refused
	}
	defer c.Close()

	scenes := []client.Scene{{SceneID: "default", Controls: []client.Control{{
		ControlID: "fire", Kind: "button",
		Props: client.Props{"text": json.RawMessage(`"Fire"`)},
	}}}}
	if err := c.PushLayout(ctx, scenes, nil); err != nil {
		log.Fatal(err)
	}
	if err := c.Ready(ctx, true); err != nil {
		log.Fatal(err)
	}
	for e := range c.Events() { // closed when the client stops
		switch {
		case e.Status != nil:
			log.Printf("connection: %v", e.Status)
		case e.Method == "giveInput":
			in, err := e.Input()
			if err != nil {
				continue
			}
			log.Printf("%s pressed %s (%d events dropped so far)", in.ParticipantID, in.Input.ControlID, e.Dropped)
		}
	}
}
