package state

// Tag marks the change that last set a property: the priority the
// requester gave (0 when omitted) and the packet's seq.
type Tag struct {
	Priority int
	Seq      int32
}

// Beats reports whether the incoming change t wins over the existing change
// a on the same property, following the protocol's conflict rule (see the
// package documentation).
func (t Tag) Beats(a Tag) bool {
	switch {
	case t.Seq > a.Seq:
		return true
	case t.Seq < a.Seq:
		return t.Priority > a.Priority
	default:
		return t.Priority >= a.Priority
	}
}
