package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// intervalPlot draws the recent blocks' intervals as an SVG bar chart,
// oldest on the left: a glance shows whether blocks come steadily.
func intervalPlot(blocks []Block) template.HTML {
	if len(blocks) < 2 {
		return ""
	}
	const w, h = 600, 120
	var peak time.Duration
	for _, b := range blocks {
		peak = max(peak, b.Interval)
	}
	if peak == 0 {
		return ""
	}
	n := len(blocks) - 1 // the oldest has no interval
	bw := float64(w) / float64(n)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="plot" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="block intervals">`, w, h)
	for i := 0; i < n; i++ {
		b := blocks[n-1-i]
		bh := float64(h) * float64(b.Interval) / float64(peak)
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>block %d: %v</title></rect>`,
			float64(i)*bw+1, float64(h)-bh, bw-2, bh, b.Height, b.Interval.Round(time.Millisecond))
	}
	fmt.Fprintf(&sb, `</svg><p class="note">Block intervals, the last %d blocks (peak %v)</p>`, n, peak.Round(time.Millisecond))
	return template.HTML(sb.String()) // built from numbers only
}

// valuePlot draws each computing worker's V and P as paired bars, so a
// worker that stops earning (V falling, or no score) stands out.
func valuePlot(rows []WorkerRow) template.HTML {
	var vmax float64
	var pmax uint64
	n := 0
	for _, r := range rows {
		if r.Computing != nil {
			v, _ := r.Computing.V.Rat().Float64()
			vmax = max(vmax, v)
			pmax = max(pmax, r.Computing.P)
			n++
		}
	}
	if n == 0 || vmax == 0 || pmax == 0 {
		return ""
	}
	const w, rowH = 600, 18
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="bars" viewBox="0 0 %d %d" role="img" aria-label="workers' V and P">`, w, n*rowH)
	i := 0
	for _, r := range rows {
		c := r.Computing
		if c == nil {
			continue
		}
		v, _ := c.V.Rat().Float64() // display only
		y := i * rowH
		fmt.Fprintf(&sb, `<rect class="v" x="120" y="%d" width="%.1f" height="7"><title>V %.1f</title></rect>`, y+2, (w-130)*v/vmax, v)
		fmt.Fprintf(&sb, `<rect class="p" x="120" y="%d" width="%.1f" height="7"><title>P %d</title></rect>`, y+9, float64(w-130)*float64(c.P)/float64(pmax), c.P)
		fmt.Fprintf(&sb, `<text x="0" y="%d">%s</text>`, y+13, template.HTMLEscapeString(shorten(c.ID.String())))
		i++
	}
	sb.WriteString(`</svg><p class="note"><span class="key v"></span> V <span class="key p"></span> P, each against the largest</p>`)
	return template.HTML(sb.String())
}

// sample is the reward pool's payout at a height.
type sample struct {
	height int64
	paid   float64 // PHA, display only
}

// emissionPlot draws the rewards paid so far against height.
func emissionPlot(samples []sample) template.HTML {
	if len(samples) < 2 {
		return ""
	}
	const w, h = 600, 90
	first, last := samples[0], samples[len(samples)-1]
	if last.height == first.height || last.paid == first.paid {
		return ""
	}
	var pts strings.Builder
	for _, s := range samples {
		x := float64(w) * float64(s.height-first.height) / float64(last.height-first.height)
		y := float64(h) - float64(h)*(s.paid-first.paid)/(last.paid-first.paid)
		fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
	}
	return template.HTML(fmt.Sprintf(`<svg class="plot" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="emission"><polyline points="%s"/></svg>`+
		`<p class="note">Rewards paid from height %d to %d: %.2f PHA more</p>`, w, h, pts.String(), first.height, last.height, last.paid-first.paid))
}
