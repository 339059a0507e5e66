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
