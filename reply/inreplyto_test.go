package reply

import (
	"bytes"
	"net/mail"
	"testing"
)

// TestReplyLeavesOutNumberedMessageID: the member's Message-ID reaches the
// responder masked by the gateway when it held a number; the queued reply
// then carries no In-Reply-To or References at all, neither the masked id
// nor anything of the number. A clean id is still echoed.
func TestReplyLeavesOutNumberedMessageID(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	for i, tc := range []struct {
		id     string
		echoed bool
	}{
		{"<card-************1111@mail.member.example>", false},
		{"<***-**-8350.ref@mail.member.example>", false},
		{"<visa-4111-1111-1111-1111@mail.member.example>", false}, // as a scanner that missed it would pass it
		{"<clean.id.42@mail.member.example>", true},
	} {
		in := memberInbound("ann@member.example", ssnFacts)
		in.EnvelopeFrom = []string{"ann", "bob", "cy", "dee"}[i] + "@member.example"
		in.Header["Message-ID"] = []string{tc.id}
		_, acc := accept(t, e.store, e.resp, in)
		if len(acc.Jobs) != 1 {
			t.Fatalf("case %d: %d jobs", i, len(acc.Jobs))
		}
		j, err := e.store.GetOutbox(t.Context(), acc.Jobs[0])
		if err != nil {
			t.Fatal(err)
		}
		if !tc.echoed && (bytes.Contains(j.Payload, []byte("@mail.member")) || bytes.Contains(j.Payload, []byte("8350"))) {
			t.Errorf("case %d: the queued intent keeps a Message-ID that held a number", i)
		}
		// As the worker sends it.
		raw, _, err := e.resp.Render(*j, acc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		irt, refs := m.Header.Get("In-Reply-To"), m.Header.Get("References")
		if tc.echoed {
			if irt != tc.id || refs != tc.id {
				t.Errorf("case %d: clean Message-ID not echoed", i)
			}
			continue
		}
		if irt != "" || refs != "" || bytes.Contains(raw, []byte("1111@")) || bytes.Contains(raw, []byte("8350")) {
			t.Errorf("case %d: the reply echoes a Message-ID that held a number", i)
		}
	}
}
