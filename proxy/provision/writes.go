package provision

// Write is the change a SCIM request made in Freshservice, as a tenant's status counts it: one per
// request, the weightiest one it made (a create that adopts and updates a user is a create).
type Write int32

// Kinds of Write, from the lightest to the weightiest.
const (
	WriteNone Write = iota
	WriteUpdate
	WriteDisable
	WriteDelete
	WriteCreate
)

// noteWrite records that the request made a change of kind w in Freshservice; a dry-run tenant makes
// none.
func (s *Session) noteWrite(w Write) {
	if s.cfg.DryRun {
		return
	}
	for {
		old := s.wrote.Load()
		if Write(old) >= w || s.wrote.CompareAndSwap(old, int32(w)) {
			return
		}
	}
}

// Wrote is the weightiest change the session's request made in Freshservice; WriteNone for none.
func (s *Session) Wrote() Write { return Write(s.wrote.Load()) }
