package reply

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

func TestStaffJob(t *testing.T) {
	r := testResponder(t, nil)
	ticket := uuid.New()
	job, err := r.StaffJob(context.Background(), StaffReply{TicketID: ticket, Ref: "T-7K3F9Q", To: "ann@member.example",
		Subject: "Re: your card", Body: "We have updated your address.", InReplyTo: "<m1@member.example>"})
	if err != nil {
		t.Fatal(err)
	}
	p := parseOut(t, job.Payload)
	if p.hdr.Get("Subject") != "Re: your card [T-7K3F9Q]" || p.hdr.Get("Auto-Submitted") != "" || p.hdr.Get("In-Reply-To") != "<m1@member.example>" {
		t.Fatalf("headers: subject %q auto %q irt %q", p.hdr.Get("Subject"), p.hdr.Get("Auto-Submitted"), p.hdr.Get("In-Reply-To"))
	}
	if job.Kind != KindStaff || !job.GiveUpAt.Equal(job.NextAttempt.Add(testStaffGiveUp)) || len(job.Limits) != 0 {
		t.Fatalf("job kind %q give up %v", job.Kind, job.GiveUpAt.Sub(job.NextAttempt))
	}
	th := tickets.NewThreader(testSecret)
	if id, ok := th.TicketFromMessageID(p.hdr.Get("Message-ID")); !ok || id != ticket {
		t.Fatalf("staff reply does not thread")
	}

	for _, bad := range []StaffReply{
		{Body: "Your card 4111 1111 1111 1111 is blocked."},
		{Subject: "About " + plantedSSN, Body: "hello"},
		{Body: "SSN: 078-05-1123"},
	} {
		bad.TicketID, bad.Ref, bad.To = ticket, "T-7K3F9Q", "ann@member.example"
		_, err := r.StaffJob(context.Background(), bad)
		if !errors.Is(err, ErrSensitiveOutbound) {
			t.Fatalf("staff reply with a number: err = %v", err)
		}
		if !strings.Contains(err.Error(), "ending") || strings.Contains(err.Error(), "4111 1111") || strings.Contains(err.Error(), "36-8350") {
			t.Fatalf("error should name kind and last four only")
		}
	}
}
