// Gamepads: the Gamepad API has no events for buttons and sticks, so the
// page polls once a frame while a pad is connected.

export class Gamepads {
  constructor(onPoll) {
    this.onPoll = onPoll;
    this.running = false;
  }

  start() {
    if (!navigator.getGamepads) return;
    window.addEventListener("gamepadconnected", () => this.loop());
    if (this.pads().length) this.loop();
  }

  pads() {
    return Array.from(navigator.getGamepads() || []).filter((p) => p && p.connected);
  }

  loop() {
    if (this.running) return;
    this.running = true;
    const frame = () => {
      const pads = this.pads();
      if (!pads.length) {
        this.onPoll([]); // release what a pad held
        this.running = false;
        return;
      }
      this.onPoll(pads);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }
}
