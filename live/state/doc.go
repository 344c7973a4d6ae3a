// Package state stores the Interactive protocol's resources (world, scenes,
// controls, groups, participants) as JSON objects whose every property
// carries the Tag (priority, seq) of the change that set it, and applies
// JSON Merge Patches (RFC 7396) to them under the protocol's conflict rule
// (spec 1.7, "Synchronization", as corrected in the project's spec NOTES).
//
// # Objects
//
// An Object is immutable: Patch, Set and Delete return a new Object that
// shares every untouched subtree with the old one, so an Object can be
// handed to other goroutines (encoders, broadcasters) without locks.
// Members keep their insertion order, and a patch that adds keys appends
// them in the patch's order; some SDKs read packets as token streams, so
// "controlID" and "kind" stay first as the creator wrote them.
//
// Output is the exact bytes encoding/json would write for the same value:
// no insignificant space; strings re-encoded as json.Marshal does (HTML
// characters <, >, & and U+2028/U+2029 escaped, invalid UTF-8 replaced by
// U+FFFD); numbers kept as their literal text (like json.Number), so large
// integer ids survive. A key given twice keeps its first position and its
// last value, as JavaScript's JSON.parse does (encoding/json also keeps the
// last value). Input is checked with json.Valid first, so exactly what
// encoding/json accepts is accepted, nesting depth included.
//
// # Merging and tagging
//
// A patch is a JSON object. For each of its members (key k, value v) against
// the target object:
//
//   - v is an object and the target's k is an object: recurse. Only the
//     nested properties the patch touches get the new tag; k keeps its own.
//   - v is an object and the target's k is absent, deleted or a primitive:
//     a change on k itself. If it wins, k becomes the result of merging v
//     into an empty object, and k and everything under it get the new tag.
//   - v is a primitive or an array (arrays are replaced whole, as RFC 7396
//     says): a change on k; if it wins, k takes v and the new tag.
//   - v is null: a deletion of k, a change like any other. If it wins, k
//     is removed from the output but stays in the object as a tombstone
//     carrying the deletion's tag, so a stale set made before the deletion
//     cannot bring the key back. A deletion of an absent key is recorded
//     the same way. Tombstones are never written out; a key set again
//     after its deletion takes its old place. They last as long as the
//     object, so their number is bounded by the keys ever named in it.
//
// Replacing or deleting a whole object is a change that conflicts with every
// property under it: it wins only if it wins against each tag in that
// subtree (tombstones included); otherwise nothing under k changes.
//
// An absent key (never set, no tombstone) counts as last changed by the
// change that created its enclosing object: NewObject's tag at the top,
// the member's tag below. So a stale patch cannot write into an object that
// was created (or replaced) after the patch was made.
//
// # The conflict rule
//
// For an existing change A on a property and an incoming change B
// (Tag.Beats reports whether B wins):
//
//  1. B.Seq > A.Seq: B wins (B was made knowing A; the spec's text says
//     "apply A's change", a typo corrected in NOTES).
//  2. B.Seq < A.Seq: the greater priority wins. On equal priority A stays:
//     B is stale and has no priority to override with.
//  3. B.Seq == A.Seq, priorities differ: the greater priority wins.
//  4. B.Seq == A.Seq, equal priority: B wins (favour what the client sent).
//
// Priority defaults to 0 (the zero Tag). Seq is compared as a plain int32:
// the server's seq starts at 0 and does not wrap within a session.
//
// Rules (Fixed and Ignored keys) let the caller keep ids and kinds out of
// reach of patches; which keys those are is the protocol layer's choice.
//
// A property that loses is simply left as it was; that is not an error.
// A patch that fails validation (invalid JSON, not an object, a fixed key
// changed) changes nothing, and Collection.ApplyAll extends that to a batch
// of patches over several resources: all are applied or none.
package state
