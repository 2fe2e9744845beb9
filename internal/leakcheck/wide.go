package leakcheck

import "strconv"

// The twelve UTF-16 and UTF-32 readings of a level (byte order and
// alignment). Reading each costs as much as the UTF-8 reading, and on most
// bytes (ASCII text, random pages) none of them can hold a number, so a
// cheaper pass first says which could.
type reading struct {
	unit  int
	be    bool
	align int
}

var readings = func() (r []reading) {
	for _, unit := range []int{2, 4} {
		for _, be := range []bool{false, true} {
			for align := 0; align < unit; align++ {
				r = append(r, reading{unit, be, align})
			}
		}
	}
	return r
}()

// wideSlack is how far apart (in units) two digits may be for the
// cheaper pass to count them in one streak: more than MaxGap, since it does
// not tell invisible units from separators.
const wideSlack = 3 * MaxGap

// wideCandidates returns which readings have a streak of minLen digit
// units, each within wideSlack units of the one before: only those can
// hold a number.
func (s *scan) wideCandidates(b []byte) (want [12]bool) {
	var last, streak [12]int
	note := func(k, u int) {
		if streak[k] > 0 && u-last[k] <= wideSlack {
			streak[k]++
		} else {
			streak[k] = 1
		}
		last[k] = u
		if streak[k] >= s.c.minLen {
			want[k] = true
		}
	}
	digit16 := func(i int, u rune, be bool) bool {
		if u < 0xD800 || u > 0xDBFF {
			return bmpClass[u] >= '0'
		}
		if i+4 > len(b) {
			return false
		}
		lo := rune(b[i+2]) | rune(b[i+3])<<8
		if be {
			lo = rune(b[i+2])<<8 | rune(b[i+3])
		}
		return lo >= 0xDC00 && lo < 0xE000 && classOf(0x10000+(u-0xD800)<<10+(lo-0xDC00)) >= '0'
	}
	for i := 0; i+1 < len(b); i++ {
		a2, a4 := i&1, i&3
		if digit16(i, rune(b[i])|rune(b[i+1])<<8, false) {
			note(a2, i/2)
		}
		if digit16(i, rune(b[i])<<8|rune(b[i+1]), true) {
			note(2+a2, i/2)
		}
		if i+3 < len(b) {
			if b[i+3] == 0 && classOf(rune(b[i])|rune(b[i+1])<<8|rune(b[i+2])<<16) >= '0' {
				note(4+a4, i/4)
			}
			if b[i] == 0 && classOf(rune(b[i+1])<<16|rune(b[i+2])<<8|rune(b[i+3])) >= '0' {
				note(8+a4, i/4)
			}
		}
	}
	return want
}

func (rd reading) name() string {
	n := "utf-16"
	if rd.unit == 4 {
		n = "utf-32"
	}
	if rd.be {
		n += "be@"
	} else {
		n += "le@"
	}
	return n + strconv.Itoa(rd.align)
}
