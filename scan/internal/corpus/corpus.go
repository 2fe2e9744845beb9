// Package corpus makes the texts the scanner is measured on: member prose
// with sparse digits, and a digit-dense CSV export. They are generated, so
// nothing real is ever in them, and deterministic, so runs compare.
package corpus

import (
	"bytes"
	"fmt"
	"math/rand/v2"
)

var words = []string{
	"hello", "I", "am", "writing", "about", "my", "account", "the", "payment", "was", "declined",
	"yesterday", "and", "would", "like", "to", "know", "why", "please", "call", "me", "back", "when",
	"you", "can", "thanks", "for", "your", "help", "order", "arrived", "damaged", "refund", "invoice",
	"address", "changed", "since", "last", "month", "kind", "regards", "support", "team", "ticket",
	"question", "renewal", "policy", "membership", "card", "number", "statement", "balance", "été", "naïve",
}

// Prose returns about n bytes of email prose: sentences with the odd date,
// time, amount or short reference, as members write.
func Prose(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	b.Grow(n + 200)
	col := 0
	for b.Len() < n {
		switch r.IntN(40) {
		case 0:
			fmt.Fprintf(&b, "%d/%d/20%02d", 1+r.IntN(12), 1+r.IntN(28), r.IntN(30))
		case 1:
			fmt.Fprintf(&b, "$%d.%02d", r.IntN(900), r.IntN(100))
		case 2:
			fmt.Fprintf(&b, "%d:%02d", 1+r.IntN(12), r.IntN(60))
		default:
			b.WriteString(words[r.IntN(len(words))])
		}
		col += 8
		if col > 70 {
			b.WriteString(".\n")
			col = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()
}

// CSV returns about n bytes of an order export: ids, epoch-millisecond
// timestamps, phone numbers, amounts, quantities and 22-digit tracking
// numbers, and no card or SSN.
func CSV(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	var b bytes.Buffer
	b.Grow(n + 200)
	b.WriteString("order_id,created_ms,customer_phone,amount,qty,sku,tracking\n")
	for b.Len() < n {
		fmt.Fprintf(&b, "%d,%d,%03d-%03d-%04d,%d.%02d,%d,%08d,%022d\n",
			1e9+r.Int64N(9e11), 1500000000000+r.Int64N(3e11), 200+r.IntN(700), r.IntN(1000), r.IntN(10000),
			r.IntN(10000), r.IntN(100), 1+r.IntN(9), r.IntN(1e8), r.Int64N(1e18))
	}
	return b.Bytes()
}

// Message wraps body as a text/plain message.
func Message(body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body) + 300)
	b.WriteString("From: Member <member@example.org>\r\nTo: support@support.localhost\r\nSubject: export\r\n")
	b.WriteString("Message-ID: <bench@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}
