package client

import (
	"bytes"
	"encoding/json"
)

// mergePatch applies an RFC 7396 JSON Merge Patch to target and returns
// the result. The model of what we pushed uses it so that restoring after
// a reconnect sends the same state the server ended up with.
func mergePatch(target, patch json.RawMessage) json.RawMessage {
	pm, ok := asObject(patch)
	if !ok {
		return append(json.RawMessage(nil), patch...)
	}
	tm, ok := asObject(target)
	if !ok {
		tm = map[string]json.RawMessage{}
	}
	for k, v := range pm {
		if isNull(v) {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	out, _ := json.Marshal(tm) // a map of valid raw values always encodes
	return out
}

// composePatch returns one merge patch with the effect of first applying
// a, then b. Unlike mergePatch it keeps nulls: the result is still a patch,
// for resources the client only ever patched (it does not know them whole).
func composePatch(a, b json.RawMessage) json.RawMessage {
	bm, ok := asObject(b)
	if !ok {
		return append(json.RawMessage(nil), b...)
	}
	am, ok := asObject(a)
	if !ok {
		// b patches whatever a left (a non-object, or nothing): as a patch,
		// b alone on a non-object target builds the object from scratch.
		if a != nil && !isNull(a) {
			return mergePatch(a, b)
		}
		am = map[string]json.RawMessage{}
	}
	for k, v := range bm {
		if prev, ok := am[k]; ok && !isNull(v) {
			if _, isObj := asObject(v); isObj {
				if _, prevObj := asObject(prev); prevObj {
					am[k] = composePatch(prev, v)
					continue
				}
				// A value replacing a non-object: applied to it, the
				// patch v builds an object and drops v's nulls.
				am[k] = mergePatch(nil, v)
				continue
			}
		}
		am[k] = v
	}
	out, _ := json.Marshal(am)
	return out
}

// asObject decodes raw as a JSON object; false for anything else.
func asObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// without returns obj with the named keys removed.
func without(obj json.RawMessage, keys ...string) json.RawMessage {
	m, ok := asObject(obj)
	if !ok {
		return obj
	}
	for _, k := range keys {
		delete(m, k)
	}
	out, _ := json.Marshal(m)
	return out
}
