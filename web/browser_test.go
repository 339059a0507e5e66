package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// chromium finds the browser: Debian's chromium package, which the CI
// script installs.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine (the CI script installs Debian's chromium package)")
	return ""
}

// browse opens the devnet's dashboard in headless Chromium: it shows the
// gatekeepers and the worker, follows a new block live, and a click on a
// block's transaction reaches the transaction's page. It saves a
// screenshot and checks it is not blank.
func browse(t *testing.T, ctx context.Context, info devnet.Info, res *client.Result) {
	browser := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Headless, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1600))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	run := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(bctx, a); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	run(chromedp.Steps(chromedp.Navigate(info.Dashboard), chromedp.WaitVisible(chromedp.ID("workers"))))
	overview := text("main")
	for _, want := range []string{"Gatekeepers", "Workers", info.Workers[0].ID.String()[:8], "protects nothing", "Recent blocks"} {
		if !strings.Contains(overview, want) {
			t.Fatalf("the overview lacks %q:\n%s", want, overview)
		}
	}
	// The header's height comes from the live stream, and moves.
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.getElementById("height").textContent.startsWith("height ")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("no live height: %v", err)
	}
	live1 := text("#height")
	run(chromedp.Sleep(time.Second))
	if live2 := text("#height"); live1 == live2 {
		t.Fatalf("the height did not move live: %q then %q", live1, live2)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dashboard.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	notBlank(t, shot)
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))

	// A click from the transaction's block reaches the transaction (the
	// block may hold the workers' transactions too: click this one's link).
	link := fmt.Sprintf(`a[href$=%q i]`, res.Hash)
	run(chromedp.Steps(
		chromedp.Navigate(info.Dashboard+"/block/"+strconv.FormatInt(res.Height, 10)),
		chromedp.WaitVisible(chromedp.CSS(link)),
		chromedp.Click(chromedp.CSS(link)),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	))
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`location.pathname.startsWith("/tx/")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the click did not reach the transaction: %v", err)
	}
	body := text("main")
	if !strings.Contains(body, "bank/send") || !strings.Contains(body, "succeeded") || !strings.Contains(strings.ToUpper(body), strings.ToUpper(res.Hash)) {
		t.Fatalf("the transaction page: %s", body)
	}
}

// notBlank checks that a screenshot has content: many distinct colours.
func notBlank(t *testing.T, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	colours := map[uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 4 {
		for x := r.Min.X; x < r.Max.X; x += 4 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			colours[cr>>8<<16|cg>>8<<8|cb>>8] = true
		}
	}
	if len(colours) < 16 {
		t.Fatalf("the screenshot is blank: %d colours", len(colours))
	}
}
