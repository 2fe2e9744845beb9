package mailgen

import (
	"fmt"
	"strings"
)

// Look-alikes of the readable spellings the leak issues added (numbers
// across tab-separated cells, with format characters between digits, glued
// to CJK and Thai text, after a word and a hyphen, SSNs with mixed
// separators): what the same shapes hold when they are not a card or an
// SSN. The scanner must stay quiet on every one.
var lookalikeKinds = []negKind{
	{kind: "tsv-row", ctx: inText, gen: func(g *Generator) (string, [2]string) {
		var cells []string
		for {
			cells = g.tsvCells()
			// Nor, read as one unbroken number, a card.
			d := digitsOnly(strings.Join(cells, ""))
			if !sensitiveCells(cells) && !(len(d) >= 13 && len(d) <= 19 && ValidCard(d)) {
				break
			}
		}
		// A row stands on a line of its own, as pasted from a sheet.
		return strings.Join(cells, "\t"), g.sentence([2]string{"Pasted from the sheet:\n", "\n(end of paste)"},
			[2]string{"Export of today:\n", "\nTotals follow below."}, [2]string{"Row 12 reads\n", "\nin the report."})
	}},
	{kind: "tsv-table", ctx: inText, gen: func(g *Generator) (string, [2]string) {
		// A table of four-digit figures in which one row happens to pass
		// as a card: rows of data among others are data.
		labels := g.r.IntN(2) == 0
		rows := 2 + g.r.IntN(5)
		odd := g.r.IntN(rows)
		lines := []string{g.pick("Q1\tQ2\tQ3\tQ4", "Jan\tFeb\tMar\tApr", "North\tSouth\tEast\tWest")}
		if labels {
			lines[0] = "Item\t" + lines[0]
		}
		for i := 0; i < rows; i++ {
			var cells []string
			if i == odd {
				d := g.cardWith(prefixRange{4, 4, 1}, 16)
				if g.r.IntN(2) == 0 {
					d = g.cardWith(prefixRange{51, 55, 2}, 16)
				}
				cells = groups(d)
			} else {
				for {
					cells = cells[:0]
					for k := 0; k < 4; k++ {
						cells = append(cells, fmt.Sprintf("%d%s", 1+g.r.IntN(9), digitString(g, 3)))
					}
					if g.r.IntN(4) == 0 {
						cells[g.r.IntN(4)] = fmt.Sprintf("%d.%02d", g.r.IntN(10000), g.r.IntN(100))
					}
					if !sensitiveCells(cells) {
						break
					}
				}
			}
			if labels {
				cells = append([]string{g.pick("Apples", "Pears", "Row", "Total", "Unit")}, cells...)
			}
			lines = append(lines, strings.Join(cells, "\t"))
		}
		return strings.Join(lines, "\n"), g.sentence([2]string{"The figures you asked for:\n", "\nAll in units."},
			[2]string{"Copied from the spreadsheet:\n", "\nLet me know."})
	}},
	{kind: "tsv-ssn-shaped", ctx: inText, keyword: true, gen: func(g *Generator) (string, [2]string) {
		d := g.validSSNDigits()
		return d[:3] + "\t" + d[3:5] + "\t" + d[5:], g.sentence([2]string{"Aisle, bay and bin:\n", "\n"},
			[2]string{"Lot\t", "\tshipped"})
	}},
	{kind: "hyphen-id", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		var v string
		for {
			switch g.r.IntN(6) {
			case 0:
				v = fmt.Sprintf("INV-%d-%06d", 2000+g.r.IntN(30), g.r.IntN(1000000))
			case 1:
				v = "order-" + digitString(g, 13)
			case 2:
				v = fmt.Sprintf("PO-%d%02d%02d-%04d", 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(10000))
			case 3:
				body := g.pick("0", "7", "8", "9") + digitString(g, 14)
				v = "ref-" + body + string(LuhnDigit(body))
			case 4:
				v = "ticket-" + strings.Join(groups(g.luhnInvalidCard(16)), "-")
			default:
				v = fmt.Sprintf("SKU-%s-%s-%s", digitString(g, 4), digitString(g, 6), digitString(g, 6))
			}
			if !validCardWindow(v) {
				return v, g.sentence([2]string{"Re: ", " (please check)"}, [2]string{"See the attached file ", ".pdf"},
					[2]string{"Reference ", "."})
			}
		}
	}},
	{kind: "ssn-mixed-no-keyword", ctx: anywhere, keyword: true, gen: func(g *Generator) (string, [2]string) {
		d := g.validSSNDigits()
		v := g.pick(d[:3]+" "+d[3:5]+"-"+d[5:], d[:3]+"-"+d[3:5]+" "+d[5:])
		return v, g.sentence([2]string{"Part ", " is back-ordered."}, [2]string{"Lot ", " shipped today."},
			[2]string{"Case ", " was closed."})
	}},
	{kind: "phone-date-mixed", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		a, x, l := fmt.Sprintf("%d%s", 2+g.r.IntN(8), digitString(g, 2)), fmt.Sprintf("%d%s", 2+g.r.IntN(8), digitString(g, 2)), digitString(g, 4)
		y, m, d := 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28)
		v := g.pick(a+" "+x+"-"+l, a+"-"+x+" "+l, "("+a+") "+x+"-"+l,
			fmt.Sprintf("%d %02d-%02d", y, m, d), fmt.Sprintf("%02d-%02d %d", m, d, y), fmt.Sprintf("%02d %02d-%d", d, m, y))
		return v, g.sentence([2]string{"Call me at ", " after five."}, [2]string{"On ", " I wrote to you."},
			[2]string{"Seen ", "."})
	}},
	{kind: "format-chars-numbers", ctx: anywhere &^ inPDF, gen: func(g *Generator) (string, [2]string) {
		fc := func() string { return g.pick(formatChars...) }
		a, x, l := fmt.Sprintf("%d%s", 2+g.r.IntN(8), digitString(g, 2)), fmt.Sprintf("%d%s", 2+g.r.IntN(8), digitString(g, 2)), digitString(g, 4)
		var v string
		switch g.r.IntN(5) {
		case 0:
			v = a + fc() + "-" + x + fc() + "-" + l
		case 1:
			v = fc() + "+1 " + a + " " + x + " " + l + fc()
		case 2:
			v = fmt.Sprintf("%s$%d,%03d.%02d%s", fc(), 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(100), fc())
		case 3:
			v = fmt.Sprintf("%d%s-%02d%s-%02d", 2000+g.r.IntN(30), fc(), 1+g.r.IntN(12), fc(), 1+g.r.IntN(28))
		default:
			v = strings.Join(groups(g.luhnInvalidCard(16)), fc())
		}
		return v, g.sentence([2]string{"Reference ", " as shown on the page."}, [2]string{"Copied: ", ""},
			[2]string{"It says ", " there."})
	}},
	{kind: "cjk-glued-numbers", ctx: anywhere &^ inPDF, gen: func(g *Generator) (string, [2]string) {
		var v string
		for {
			switch g.r.IntN(9) {
			case 0:
				v = "注文番号" + digitString(g, 13) + "です"
			case 1:
				v = fmt.Sprintf("電話番号03-%s-%sです", digitString(g, 4), digitString(g, 4))
			case 2:
				v = fmt.Sprintf("%d年%d月%d日に", 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28))
			case 3:
				v = fmt.Sprintf("郵便番号%s-%s", digitString(g, 3), digitString(g, 4))
			case 4:
				v = fmt.Sprintf("金額%d,%03d円", 1+g.r.IntN(999), g.r.IntN(1000))
			case 5:
				v = "カード番号は" + g.luhnInvalidCard(16) + "です"
			case 6:
				body := g.pick("0", "7", "8") + digitString(g, 14)
				v = "会员号" + fullWidth(body+string(LuhnDigit(body))) + "谢谢"
			case 7:
				v = fmt.Sprintf("โทร02%s%sครับ", digitString(g, 3), digitString(g, 4))
			default:
				v = "주문번호" + digitString(g, 12) + "입니다"
			}
			if !validCardWindow(v) {
				return v, g.sentence([2]string{"", ""}, [2]string{"Note: ", ""}, [2]string{"(", ")"})
			}
		}
	}},
}

func init() { negKinds = append(negKinds, lookalikeKinds...) }

// tsvCells draws one row of a spreadsheet: ids, amounts, dates,
// quantities and four-digit codes, or a row of four-digit figures alone.
func (g *Generator) tsvCells() []string {
	n := 3 + g.r.IntN(6)
	cells := make([]string, 0, n)
	fours := g.r.IntN(3) == 0
	for i := 0; i < n; i++ {
		if fours {
			cells = append(cells, fmt.Sprintf("%d%s", 1+g.r.IntN(9), digitString(g, 3)))
			continue
		}
		switch g.r.IntN(7) {
		case 0:
			cells = append(cells, fmt.Sprintf("%d%s", 1+g.r.IntN(9), digitString(g, 4+g.r.IntN(6))))
		case 1:
			cells = append(cells, fmt.Sprintf("%d.%02d", g.r.IntN(10000), g.r.IntN(100)))
		case 2:
			cells = append(cells, fmt.Sprintf("%d,%03d.%02d", 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(100)))
		case 3:
			cells = append(cells, fmt.Sprintf("%d-%02d-%02d", 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28)))
		case 4:
			cells = append(cells, fmt.Sprintf("%d", 1+g.r.IntN(999)))
		case 5:
			cells = append(cells, fmt.Sprintf("%d%s", 1+g.r.IntN(9), digitString(g, 3)))
		default:
			cells = append(cells, g.pick("ok", "n/a", "shipped", "EUR", "USD"))
		}
	}
	return cells
}

// sensitiveCells reports whether some consecutive cells of digits alone are
// a card (in its printed grouping or not) or a valid SSN written 3-2-4:
// such a row is no look-alike, it is the number.
func sensitiveCells(cells []string) bool {
	for i := range cells {
		d := ""
		for j := i; j < len(cells) && j < i+6; j++ {
			if cells[j] == "" || digitsOnly(cells[j]) != cells[j] {
				break
			}
			d += cells[j]
			if len(d) >= 13 && len(d) <= 19 && ValidCard(d) {
				return true
			}
			if j == i+2 && len(cells[i]) == 3 && len(cells[i+1]) == 2 && len(cells[j]) == 4 && ValidSSN(d) {
				return true
			}
		}
	}
	return false
}

// validCardWindow reports whether some run of the digit groups of s (any
// separators) is a valid card: a look-alike must hold none.
func validCardWindow(s string) bool {
	var gs []string
	cur := ""
	for _, r := range s {
		if v, ok := digitValue(r); ok {
			cur += string(rune('0' + v))
			continue
		}
		if cur != "" {
			gs = append(gs, cur)
			cur = ""
		}
	}
	if cur != "" {
		gs = append(gs, cur)
	}
	for i := range gs {
		d := ""
		for j := i; j < len(gs); j++ {
			d += gs[j]
			if len(d) > 19 {
				break
			}
			if len(d) >= 13 && ValidCard(d) {
				return true
			}
		}
	}
	return false
}

// luhnInvalidCard returns n digits with a card prefix that fail Luhn.
func (g *Generator) luhnInvalidCard(n int) string {
	d := g.cardWith(prefixRange{4, 4, 1}, n)
	if g.r.IntN(2) == 0 {
		d = g.cardWith(prefixRange{51, 55, 2}, n)
	}
	last := int(d[n-1] - '0')
	return d[:n-1] + string(rune('0'+(last+1+g.r.IntN(9))%10))
}

// validSSNDigits returns nine digits that pass the SSA's rules, drawn fresh
// (never a published sample: a look-alike must not be one).
func (g *Generator) validSSNDigits() string {
	for {
		d := fmt.Sprintf("%03d%02d%04d", 1+g.r.IntN(899), 1+g.r.IntN(99), 1+g.r.IntN(9999))
		if ValidSSN(d) {
			return d
		}
	}
}
