package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/convkit/convkit/train"
)

// progress shows a training run's progress on stderr: on a terminal, one
// status line redrawn in place with \r (a bar, loss, accuracy, images/s,
// ETA) at most every redrawEvery; otherwise a plain line every
// plainEvery, so that logs stay readable. Finished epochs always get a
// line of their own.
type progress struct {
	w      io.Writer
	tty    bool
	prefix string // shown before each line, e.g. the model in compare
	last   time.Time
	drawn  bool // a status line is on screen (terminal mode)
}

// Redraw and logging intervals; variables so tests can shorten them.
var (
	redrawEvery = 100 * time.Millisecond
	plainEvery  = 15 * time.Second
)

// newProgress returns a progress display writing to w; it draws a live
// line when w is a terminal.
func newProgress(w io.Writer, prefix string) *progress {
	return &progress{w: w, tty: isTerminal(w), prefix: prefix, last: time.Now()}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// termWidth returns the terminal's width, 100 when unknown.
func termWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			return cols
		}
	}
	return 100
}

// step reports a training step or the start of an evaluation.
func (p *progress) step(pr train.Progress) {
	now := time.Now()
	if p.tty {
		if now.Sub(p.last) < redrawEvery && pr.Batch != pr.Batches && pr.Phase == "train" {
			return
		}
		p.last = now
		width := termWidth(p.w)
		line := p.prefix + statusLine(pr, 24)
		if n := len([]rune(line)); n >= width {
			line = string([]rune(line)[:width-1])
		}
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	if now.Sub(p.last) >= plainEvery && pr.Phase == "train" {
		p.last = now
		fmt.Fprintln(p.w, p.prefix+statusLine(pr, 0))
	}
}

// epoch prints the summary of a finished epoch on a line of its own.
func (p *progress) epoch(st train.EpochStats, epochs int) {
	p.clear()
	line := fmt.Sprintf("epoch %d/%d: train loss %.4f acc %.2f%%", st.Epoch, epochs, st.TrainLoss, 100*st.TrainAcc)
	if st.TestAcc == st.TestAcc { // not NaN
		line += fmt.Sprintf(" | test loss %.4f acc %.2f%%", st.TestLoss, 100*st.TestAcc)
	}
	line += fmt.Sprintf(" | lr %.4g | %.0f img/s | %s", st.LR, st.ImagesPerSec, fmtDuration(time.Duration(st.Elapsed*float64(time.Second))))
	fmt.Fprintln(p.w, p.prefix+line)
	p.last = time.Now()
}

// clear removes the status line from a terminal.
func (p *progress) clear() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// statusLine formats a progress report; with barWidth > 0 it starts with
// a bar of the epoch's progress.
func statusLine(pr train.Progress, barWidth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d/%d ", pr.Epoch, pr.Epochs)
	if barWidth > 0 {
		done := 0
		if pr.Batches > 0 {
			done = barWidth * pr.Batch / pr.Batches
		}
		b.WriteString("[" + strings.Repeat("=", done))
		if done < barWidth {
			b.WriteString(">" + strings.Repeat(" ", barWidth-done-1))
		}
		b.WriteString("] ")
	}
	if pr.Phase == "eval" {
		b.WriteString("evaluating on the test set…")
		return b.String()
	}
	fmt.Fprintf(&b, "%d/%d loss %.4f acc %.2f%% lr %.4g %.0f img/s", pr.Batch, pr.Batches, pr.Loss, 100*pr.Accuracy, pr.LR, pr.ImagesPerSec)
	if pr.ETA > 0 {
		fmt.Fprintf(&b, " ETA %s", fmtDuration(pr.ETA))
	}
	return b.String()
}

// fmtDuration formats d as 1h02m03s, 2m03s or 4.2s.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm%02ds", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
