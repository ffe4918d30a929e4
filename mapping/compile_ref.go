package mapping

import "strings"

// order resolves refs and returns the records sorted so that each comes
// after the records it references, keeping file order where it can.
// Unknown refs, refs to for_each records and cycles are reported.
func (l *loader) order(recs []*recordRule) []*recordRule {
	deps := l.resolveRefs(recs)
	placed := make([]bool, len(recs))
	newIdx := make([]int, len(recs))
	out := make([]*recordRule, 0, len(recs))
	for len(out) < len(recs) {
		next := -1
		for i := range recs {
			if !placed[i] && allPlaced(deps[i], placed) {
				next = i
				break
			}
		}
		if next < 0 {
			l.reportCycles(recs, deps, placed)
			return out
		}
		placed[next], newIdx[next] = true, len(out)
		out = append(out, recs[next])
	}
	for _, rr := range out {
		for _, b := range rr.binds {
			if b.ref != "" && b.refIdx >= 0 {
				b.refIdx = newIdx[b.refIdx]
			}
		}
	}
	return out
}

// resolveRefs sets each ref's refIdx (an index in recs) and returns each
// record's dependencies.
func (l *loader) resolveRefs(recs []*recordRule) [][]int {
	names := make([]string, len(recs))
	for i, rr := range recs {
		names[i] = rr.name
	}
	deps := make([][]int, len(recs))
	for i, rr := range recs {
		for _, b := range rr.binds {
			if b.ref == "" {
				continue
			}
			j := indexOf(names, b.ref)
			switch {
			case j < 0:
				l.errorAt(b.pos, "ref %q: no record of this schema has that name%s", b.ref, didYouMean(b.ref, names))
			case j == i:
				l.errorAt(b.pos, "ref %q: a record cannot reference itself", b.ref)
			case recs[j].forEach:
				l.errorAt(b.pos, "ref %q: record %s is written once per line item (for_each), so it cannot be referenced", b.ref, b.ref)
			default:
				b.refIdx = j
				deps[i] = append(deps[i], j)
			}
		}
	}
	return deps
}

func allPlaced(deps []int, placed []bool) bool {
	for _, d := range deps {
		if !placed[d] {
			return false
		}
	}
	return true
}

// reportCycles reports every ref between records that could not be placed.
func (l *loader) reportCycles(recs []*recordRule, deps [][]int, placed []bool) {
	for i, rr := range recs {
		if placed[i] {
			continue
		}
		for _, b := range rr.binds {
			if b.ref != "" && b.refIdx >= 0 && !placed[b.refIdx] {
				l.errorAt(b.pos, "ref %q: reference cycle %s", b.ref, cyclePath(recs, deps, placed, i))
			}
		}
	}
}

// cyclePath follows unplaced dependencies from start until a record
// repeats: "invoice → payment → invoice".
func cyclePath(recs []*recordRule, deps [][]int, placed []bool, start int) string {
	path := []string{recs[start].name}
	seen := map[int]bool{start: true}
	for cur := start; ; {
		nxt := -1
		for _, d := range deps[cur] {
			if !placed[d] {
				nxt = d
				break
			}
		}
		if nxt < 0 {
			break
		}
		path = append(path, recs[nxt].name)
		if seen[nxt] {
			break
		}
		seen[nxt], cur = true, nxt
	}
	return strings.Join(path, " → ")
}
